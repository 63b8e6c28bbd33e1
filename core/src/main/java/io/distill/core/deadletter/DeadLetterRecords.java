package io.distill.core.deadletter;

import io.distill.core.registry.RegistryException;
import io.distill.core.serde.RecordDecodeException;
import io.distill.schema.DeadLetter;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Builds {@link DeadLetter} records: where the refused record was (topic, partition, offset), its raw
 * key, the stage, a reason code and text, and the raw value cut to a maximum size (default 64 KiB)
 * with its original size and a {@code truncated} flag. Thread-safe.
 */
public final class DeadLetterRecords {
  public static final int DEFAULT_MAX_VALUE_BYTES = 64 * 1024;
  /** Configuration key of the value cap. */
  public static final String MAX_VALUE_BYTES_CONFIG = "deadletter.max.value.bytes";
  static final int MAX_REASON_CHARS = 4096;

  private final int maxValueBytes;
  private final Clock clock;

  public DeadLetterRecords() {
    this(DEFAULT_MAX_VALUE_BYTES);
  }

  public DeadLetterRecords(int maxValueBytes) {
    this(maxValueBytes, Clock.systemUTC());
  }

  public DeadLetterRecords(int maxValueBytes, Clock clock) {
    if (maxValueBytes < 0) {
      throw new IllegalArgumentException(MAX_VALUE_BYTES_CONFIG + ": must not be negative, got " + maxValueBytes);
    }
    this.maxValueBytes = maxValueBytes;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  public int maxValueBytes() {
    return maxValueBytes;
  }

  /** A dead letter for a record that failed to decode; the reason code is the exception's. */
  public DeadLetter build(ConsumerRecord<byte[], byte[]> record, String stage, RecordDecodeException error) {
    return build(record, stage, error.reason(), error);
  }

  /** A dead letter for {@code record}; the reason text is taken from {@code error} (may be null). */
  public DeadLetter build(ConsumerRecord<byte[], byte[]> record, String stage, ReasonCode reason, Throwable error) {
    return build(record.topic(), record.partition(), record.offset(), record.key(), record.value(), stage, reason, null, error);
  }

  /** A dead letter for a record refused after decoding, with an explanation of its own. */
  public DeadLetter build(ConsumerRecord<byte[], byte[]> record, String stage, ReasonCode reason, String reasonText) {
    return build(record.topic(), record.partition(), record.offset(), record.key(), record.value(), stage, reason, reasonText, null);
  }

  /**
   * The general form: partition and offset -1 when unknown; {@code reasonText} null to describe
   * {@code error} instead.
   */
  public DeadLetter build(String topic, int partition, long offset, byte[] key, byte[] value, String stage, ReasonCode reason,
      String reasonText, Throwable error) {
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(stage, "stage");
    Objects.requireNonNull(reason, "reason");
    String text = reasonText != null ? reasonText : error != null ? describe(error) : reason.name();
    DeadLetter.Builder b = DeadLetter.newBuilder()
        .setTopic(topic)
        .setPartition(partition)
        .setOffset(offset)
        .setKey(key == null ? null : ByteBuffer.wrap(key.clone()))
        .setStage(stage)
        .setReasonCode(reason.name())
        .setReason(cap(text))
        .setErrorClass(error == null ? null : error.getClass().getName())
        .setAt(clock.instant());
    if (value == null) {
      b.setOriginalSize(-1).setValue(null).setTruncated(false);
    } else {
      boolean truncated = value.length > maxValueBytes;
      byte[] kept = truncated ? Arrays.copyOf(value, maxValueBytes) : value.clone();
      b.setOriginalSize(value.length).setValue(ByteBuffer.wrap(kept)).setTruncated(truncated);
    }
    return b.build();
  }

  /**
   * The reason code for an exception: a {@link RecordDecodeException}'s own, {@link
   * ReasonCode#MALFORMED} for another {@link SerializationException}, else {@link
   * ReasonCode#INTERNAL_ERROR}.
   */
  public static ReasonCode reasonOf(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof RecordDecodeException rde) {
        return rde.reason();
      }
    }
    return error instanceof SerializationException ? ReasonCode.MALFORMED : ReasonCode.INTERNAL_ERROR;
  }

  /**
   * Whether a failure may be dead-lettered: false when, looking from the outermost exception
   * inwards, a {@link RegistryException} (an unreachable or misconfigured registry) comes before any
   * {@link RecordDecodeException}. Such a failure is not the record's fault; fail and retry instead.
   */
  public static boolean isDeadLetterable(Throwable error) {
    Map<Throwable, Boolean> seen = new IdentityHashMap<>();
    for (Throwable t = error; t != null && seen.put(t, Boolean.TRUE) == null; t = t.getCause()) {
      if (t instanceof RecordDecodeException) {
        return true;
      }
      if (t instanceof RegistryException) {
        return false;
      }
    }
    return true;
  }

  static String describe(Throwable error) {
    StringBuilder sb = new StringBuilder(String.valueOf(error.getMessage()));
    Map<Throwable, Boolean> seen = new IdentityHashMap<>();
    seen.put(error, Boolean.TRUE);
    for (Throwable c = error.getCause(); c != null && seen.put(c, Boolean.TRUE) == null && sb.length() < MAX_REASON_CHARS; c = c.getCause()) {
      sb.append("; caused by ").append(c.getClass().getSimpleName()).append(": ").append(c.getMessage());
    }
    return sb.toString();
  }

  private static String cap(String s) {
    return s.length() <= MAX_REASON_CHARS ? s : s.substring(0, MAX_REASON_CHARS - 3) + "...";
  }
}
