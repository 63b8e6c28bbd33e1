package io.distill.core.serde;

import io.distill.core.deadletter.ReasonCode;
import java.util.Objects;
import org.apache.kafka.common.errors.SerializationException;

/**
 * A record whose bytes cannot be decoded. The fault is the record's, so it may be dead-lettered and
 * skipped; a registry outage is never reported this way (see {@code RegistryUnavailableException}).
 *
 * <p>Carries the reason code for the dead letter and, when known, the record's topic, partition and
 * offset (partition and offset -1 otherwise; the deserializer knows only the topic, {@link
 * RecordDecoder} adds the rest).
 */
public class RecordDecodeException extends SerializationException {
  private final ReasonCode reason;
  private final int schemaId;
  private String topic;
  private int partition = -1;
  private long offset = -1;

  public RecordDecodeException(ReasonCode reason, String topic, int schemaId, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
    this.topic = topic;
    this.schemaId = schemaId;
  }

  public ReasonCode reason() {
    return reason;
  }

  /** Topic of the record, or null when unknown. */
  public String topic() {
    return topic;
  }

  /** Partition of the record, or -1 when unknown. */
  public int partition() {
    return partition;
  }

  /** Offset of the record, or -1 when unknown. */
  public long offset() {
    return offset;
  }

  /** The schema id the record names, or -1 when it names none (no header). */
  public int schemaId() {
    return schemaId;
  }

  /** Records where the record was read; returns this exception. */
  public RecordDecodeException locate(String topic, int partition, long offset) {
    if (topic != null) {
      this.topic = topic;
    }
    this.partition = partition;
    this.offset = offset;
    return this;
  }

  /** The message without the location suffix. */
  public String detail() {
    return super.getMessage();
  }

  @Override
  public String getMessage() {
    StringBuilder sb = new StringBuilder(reason.name()).append(": ").append(super.getMessage());
    if (topic != null) {
      sb.append(" [topic=").append(topic);
      if (partition >= 0) {
        sb.append(", partition=").append(partition);
      }
      if (offset >= 0) {
        sb.append(", offset=").append(offset);
      }
      sb.append(']');
    }
    return sb.toString();
  }
}
