package io.distill.core.serde;

import io.distill.core.registry.RegistryClient;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Decodes consumed {@code byte[]} records without throwing for bad ones, so a consumer can
 * dead-letter the raw record and move on:
 *
 * <pre>{@code
 * for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(timeout)) {
 *   DecodeResult<InferenceRequest> result = decoder.decode(rec);
 *   if (result instanceof DecodeResult.Failed<InferenceRequest> failed) {
 *     deadLetters.publish(producer, rec, "teacher-service/decode", failed.error());
 *   } else {
 *     handle(result.valueOrThrow());
 *   }
 * }
 * }</pre>
 *
 * <p>A registry that cannot be reached is not the record's fault: {@code RegistryUnavailableException}
 * (and any other registry failure) is thrown, never returned as {@link DecodeResult.Failed}; do not
 * commit past the record, retry it later. Thread-safe.
 */
public final class RecordDecoder<T extends SpecificRecord> {
  private final AvroDeserializer<T> deserializer;
  private final boolean tombstonesAllowed;

  public RecordDecoder(AvroDeserializer<T> deserializer, boolean tombstonesAllowed) {
    this.deserializer = deserializer;
    this.tombstonesAllowed = tombstonesAllowed;
  }

  /** A decoder for {@code type} that refuses null values (EMPTY_RECORD). */
  public static <T extends SpecificRecord> RecordDecoder<T> of(Class<T> type, RegistryClient registry) {
    return new RecordDecoder<>(new AvroDeserializer<>(type, registry), false);
  }

  /** A decoder for a compacted topic, where a null value (tombstone) decodes to null. */
  public static <T extends SpecificRecord> RecordDecoder<T> allowingTombstones(Class<T> type, RegistryClient registry) {
    return new RecordDecoder<>(new AvroDeserializer<>(type, registry), true);
  }

  public DecodeResult<T> decode(ConsumerRecord<byte[], byte[]> record) {
    byte[] value = record.value();
    if (value == null) {
      if (tombstonesAllowed) {
        return new DecodeResult.Decoded<>(record, null);
      }
      return new DecodeResult.Failed<>(record,
          new EmptyRecordException(record.topic(), "value is null").locate(record.topic(), record.partition(), record.offset()));
    }
    try {
      return new DecodeResult.Decoded<>(record, deserializer.decode(record.topic(), value));
    } catch (RecordDecodeException e) {
      return new DecodeResult.Failed<>(record, e.locate(record.topic(), record.partition(), record.offset()));
    }
  }
}
