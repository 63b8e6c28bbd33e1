package io.distill.core.serde;

import io.distill.core.registry.RegistryClient;
import io.distill.core.registry.TopicNameStrategy;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes a generated Avro class in the Confluent wire format under the subject {@code
 * <topic>-value} (or {@code -key}). With auto-registration the class's schema is registered on the
 * first record for a topic, otherwise it must already be registered under the subject.
 *
 * <p>Thread-safe: each thread reuses its own buffer, encoder and datum writer, so a record costs one
 * allocation (the returned array). Registry failures are thrown unchanged ({@code
 * IncompatibleSchemaException}, {@code RegistryUnavailableException}, ...).
 */
public final class AvroSerializer<T extends SpecificRecord> implements Serializer<T> {
  private static final int RETAINED_BUFFER_LIMIT = 1 << 20;

  private final Class<T> type;
  private final Schema schema;
  private final SpecificData data;
  private final RegistryClient registry;
  private final boolean isKey;
  private final boolean autoRegister;
  private final ConcurrentMap<String, Integer> idsByTopic = new ConcurrentHashMap<>();
  private final ThreadLocal<EncodeState> state;

  public AvroSerializer(Class<T> type, RegistryClient registry, boolean isKey, boolean autoRegister) {
    this.type = type;
    this.schema = AvroSerde.schemaOf(type);
    this.data = SpecificData.getForClass(type);
    this.registry = registry;
    this.isKey = isKey;
    this.autoRegister = autoRegister;
    this.state = ThreadLocal.withInitial(() -> new EncodeState(new SpecificDatumWriter<>(schema, data)));
  }

  public Schema schema() {
    return schema;
  }

  /** The id the schema has under the topic's subject, registering it if configured to. */
  public int schemaId(String topic) {
    Integer id = idsByTopic.get(topic);
    if (id != null) {
      return id;
    }
    String subject = TopicNameStrategy.subject(topic, isKey);
    int resolved;
    if (autoRegister) {
      resolved = registry.register(subject, schema);
    } else {
      resolved = registry.lookup(subject, schema)
          .orElseThrow(() -> new SerializationException("schema of " + type.getName() + " is not registered under subject '"
              + subject + "' and auto-registration is off; register the contracts first"))
          .id();
    }
    idsByTopic.putIfAbsent(topic, resolved);
    return resolved;
  }

  @Override
  public byte[] serialize(String topic, T value) {
    if (value == null) {
      return null;
    }
    int id = schemaId(topic);
    EncodeState s = state.get();
    Buffer out = s.out;
    out.reset();
    out.reserveHeader();
    try {
      s.encoder = EncoderFactory.get().binaryEncoder(out, s.encoder);
      s.writer.write(value, s.encoder);
      s.encoder.flush();
    } catch (IOException | RuntimeException e) {
      s.encoder = null;
      out.reset();
      throw new SerializationException("cannot encode " + type.getSimpleName() + " for topic " + topic + ": " + e.getMessage(), e);
    }
    byte[] bytes = out.toByteArray();
    WireFormat.writeHeader(bytes, id);
    if (out.capacity() > RETAINED_BUFFER_LIMIT) {
      s.out = new Buffer();
      s.encoder = null;
    }
    return bytes;
  }

  private static final class EncodeState {
    final SpecificDatumWriter<Object> writer;
    Buffer out = new Buffer();
    BinaryEncoder encoder;

    EncodeState(SpecificDatumWriter<Object> writer) {
      this.writer = writer;
    }
  }

  /** Unsynchronized growable byte buffer. */
  static final class Buffer extends OutputStream {
    private byte[] bytes = new byte[512];
    private int size;

    void reset() {
      size = 0;
    }

    void reserveHeader() {
      size = WireFormat.HEADER_SIZE;
    }

    int capacity() {
      return bytes.length;
    }

    private void ensure(int extra) {
      int needed = size + extra;
      if (needed > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(needed, bytes.length * 2));
      }
    }

    @Override
    public void write(int b) {
      ensure(1);
      bytes[size++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      ensure(len);
      System.arraycopy(b, off, bytes, size, len);
      size += len;
    }

    byte[] toByteArray() {
      return Arrays.copyOf(bytes, size);
    }
  }
}
