package io.distill.core.serde;

import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Outcome of decoding one consumed record: {@link Decoded} with the value, or {@link Failed} with the
 * {@link RecordDecodeException} to dead-letter. Both keep the raw record.
 */
public sealed interface DecodeResult<T> permits DecodeResult.Decoded, DecodeResult.Failed {

  ConsumerRecord<byte[], byte[]> record();

  boolean isDecoded();

  /** The value; throws the decode error when there is none. */
  T valueOrThrow();

  /** The record's key as a UTF-8 string, or null. */
  default String key() {
    byte[] k = record().key();
    return k == null ? null : new String(k, java.nio.charset.StandardCharsets.UTF_8);
  }

  /** A decoded value; null only for a tombstone on a decoder that allows them. */
  record Decoded<T>(ConsumerRecord<byte[], byte[]> record, T value) implements DecodeResult<T> {
    public Decoded {
      Objects.requireNonNull(record, "record");
    }

    @Override
    public boolean isDecoded() {
      return true;
    }

    @Override
    public T valueOrThrow() {
      return value;
    }

    public boolean isTombstone() {
      return value == null;
    }
  }

  /** A record that could not be decoded; the error carries reason code, topic, partition and offset. */
  record Failed<T>(ConsumerRecord<byte[], byte[]> record, RecordDecodeException error) implements DecodeResult<T> {
    public Failed {
      Objects.requireNonNull(record, "record");
      Objects.requireNonNull(error, "error");
    }

    @Override
    public boolean isDecoded() {
      return false;
    }

    @Override
    public T valueOrThrow() {
      throw error;
    }
  }
}
