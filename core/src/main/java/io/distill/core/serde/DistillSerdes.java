package io.distill.core.serde;

import io.distill.core.registry.RegistryClient;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/** Factory of the serdes Distill's topics use, in the spirit of Kafka's {@link Serdes}. */
public final class DistillSerdes {
  private DistillSerdes() {}

  /** An Avro serde for {@code type} that auto-registers its schema. */
  public static <T extends SpecificRecord> AvroSerde<T> of(Class<T> type, RegistryClient registry, boolean isKey) {
    return new AvroSerde<>(type, registry, isKey, true);
  }

  /** An Avro serde for {@code type}; with {@code autoRegister} false the schema must be registered already. */
  public static <T extends SpecificRecord> AvroSerde<T> of(Class<T> type, RegistryClient registry, boolean isKey, boolean autoRegister) {
    return new AvroSerde<>(type, registry, isKey, autoRegister);
  }

  /** Record keys: plain UTF-8 strings (request id, {@code model:version}, ...). */
  public static Serde<String> key() {
    return Serdes.String();
  }

  /** Raw bytes, e.g. checkpoint blob chunks and dead-letter keys. */
  public static Serde<byte[]> bytes() {
    return Serdes.ByteArray();
  }
}
