package io.distill.core.serde;

import io.distill.core.registry.InvalidSchemaException;
import io.distill.core.registry.RegistryClient;
import io.distill.core.registry.SchemaNotFoundException;
import java.io.EOFException;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.io.DatumReader;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads the Confluent wire format into a generated Avro class: fetches the writer schema by the id
 * in the value and resolves it to the class's schema (added fields take their defaults, removed ones
 * are skipped).
 *
 * <p>Failures that are the record's fault are {@link RecordDecodeException}s with a reason code:
 * {@link EmptyRecordException}, {@link MalformedRecordException}, {@link UnknownMagicByteException},
 * {@link UnknownSchemaIdException}, {@link SchemaMismatchException}. Registry failures that are not
 * (notably {@code RegistryUnavailableException}) are thrown unchanged and must not be dead-lettered.
 * A null value (tombstone) yields null.
 *
 * <p>Thread-safe, as Kafka may share a deserializer: the writer schema and its compatibility verdict
 * are cached per id in a concurrent map; each thread keeps its own resolved {@code DatumReader} per id
 * and its own decoder, so the hot path takes no lock and allocates only the decoded record.
 */
public final class AvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {
  private final Class<T> type;
  private final Schema readerSchema;
  private final SpecificData data;
  private final RegistryClient registry;
  private final ConcurrentMap<Integer, Resolution> resolutions = new ConcurrentHashMap<>();
  private final ThreadLocal<DecodeState<T>> state = ThreadLocal.withInitial(DecodeState::new);

  /** A writer schema that resolves to the reader's, or why it does not. */
  private record Resolution(Schema writer, String mismatch, Throwable cause) {}

  private static final class DecodeState<T> {
    final BoundedBinaryDecoder decoder = new BoundedBinaryDecoder();
    final Map<Integer, DatumReader<T>> readers = new HashMap<>();
  }

  public AvroDeserializer(Class<T> type, RegistryClient registry) {
    this.type = type;
    this.readerSchema = AvroSerde.schemaOf(type);
    this.data = SpecificData.getForClass(type);
    this.registry = registry;
  }

  public Class<T> type() {
    return type;
  }

  @Override
  public T deserialize(String topic, byte[] bytes) {
    return decode(topic, bytes);
  }

  @Override
  public T deserialize(String topic, Headers headers, byte[] bytes) {
    return decode(topic, bytes);
  }

  /**
   * Decodes one value.
   *
   * @throws RecordDecodeException when the bytes are at fault
   * @throws io.distill.core.registry.RegistryException when the registry fails otherwise (e.g.
   *     {@code RegistryUnavailableException})
   */
  public T decode(String topic, byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    if (bytes.length == 0) {
      throw new EmptyRecordException(topic, "value has no bytes");
    }
    if (bytes[0] != WireFormat.MAGIC_BYTE) {
      throw new UnknownMagicByteException(topic, bytes[0]);
    }
    if (bytes.length < WireFormat.HEADER_SIZE) {
      throw new MalformedRecordException(topic, -1,
          "too short: " + bytes.length + " byte(s), the wire format header alone takes " + WireFormat.HEADER_SIZE, null);
    }
    int id = WireFormat.readId(bytes);
    Resolution r = resolution(topic, id);
    if (r.mismatch() != null) {
      throw new SchemaMismatchException(topic, id, r.mismatch(), r.cause());
    }
    DecodeState<T> s = state.get();
    DatumReader<T> reader = s.readers.get(id);
    if (reader == null) {
      reader = new SpecificDatumReader<>(r.writer(), readerSchema, data);
      s.readers.put(id, reader);
    }
    BoundedBinaryDecoder in = s.decoder.reset(bytes, WireFormat.HEADER_SIZE, bytes.length - WireFormat.HEADER_SIZE);
    try {
      T value = reader.read(null, in);
      if (in.remaining() != 0) {
        throw new MalformedRecordException(topic, id, in.remaining() + " byte(s) left over after decoding a "
            + r.writer().getFullName() + " (schema id " + id + ")", null);
      }
      return value;
    } catch (EOFException e) {
      throw new MalformedRecordException(topic, id, "truncated " + r.writer().getFullName() + " (schema id " + id + "): "
          + e.getMessage(), e);
    } catch (IOException | RuntimeException e) {
      if (e instanceof RecordDecodeException rde) {
        throw rde;
      }
      throw new MalformedRecordException(topic, id, "invalid " + r.writer().getFullName() + " encoding (schema id " + id + "): "
          + e, e);
    } finally {
      in.release();
    }
  }

  private Resolution resolution(String topic, int id) {
    Resolution r = resolutions.get(id);
    if (r != null) {
      return r;
    }
    Schema writer;
    try {
      writer = registry.schemaById(id);
    } catch (SchemaNotFoundException e) {
      throw new UnknownSchemaIdException(topic, id, e);
    } catch (InvalidSchemaException e) {
      r = new Resolution(null, "schema id " + id + " cannot be read as " + type.getSimpleName() + ": " + e.getMessage(), e);
      resolutions.putIfAbsent(id, r);
      return r;
    }
    SchemaCompatibility.SchemaPairCompatibility c = SchemaCompatibility.checkReaderWriterCompatibility(readerSchema, writer);
    if (c.getType() == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
      r = new Resolution(writer, null, null);
    } else {
      r = new Resolution(null, "schema id " + id + " (" + describe(writer) + ") cannot be read as " + readerSchema.getFullName()
          + ": " + c.getResult().getIncompatibilities().stream().limit(3)
              .map(i -> i.getType() + " at " + i.getLocation() + " (" + i.getMessage() + ")").toList(), null);
    }
    Resolution prior = resolutions.putIfAbsent(id, r);
    return prior != null ? prior : r;
  }

  private static String describe(Schema s) {
    return switch (s.getType()) {
      case RECORD, ENUM, FIXED -> s.getType().getName() + " " + s.getFullName();
      default -> s.getType().getName();
    };
  }
}
