package io.distill.core.serde;

import io.distill.core.registry.RegistryClient;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

/**
 * Kafka {@link Serde} for a generated Avro class in the Confluent wire format, against a schema
 * registry: {@link AvroSerializer} and {@link AvroDeserializer} share nothing but the registry
 * client and are both thread-safe, so one instance may serve every thread.
 */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T> {
  private final Class<T> type;
  private final AvroSerializer<T> serializer;
  private final AvroDeserializer<T> deserializer;

  public AvroSerde(Class<T> type, RegistryClient registry, boolean isKey, boolean autoRegister) {
    this.type = Objects.requireNonNull(type, "type");
    Objects.requireNonNull(registry, "registry");
    this.serializer = new AvroSerializer<>(type, registry, isKey, autoRegister);
    this.deserializer = new AvroDeserializer<>(type, registry);
  }

  public Class<T> type() {
    return type;
  }

  public Schema schema() {
    return serializer.schema();
  }

  @Override
  public AvroSerializer<T> serializer() {
    return serializer;
  }

  @Override
  public AvroDeserializer<T> deserializer() {
    return deserializer;
  }

  /** The schema of a generated class ({@code getClassSchema()}). */
  static Schema schemaOf(Class<? extends SpecificRecord> type) {
    Schema s = SpecificData.get().getSchema(type);
    if (s == null || s.getType() != Schema.Type.RECORD) {
      throw new IllegalArgumentException(type.getName() + " is not a generated Avro record class");
    }
    return s;
  }
}
