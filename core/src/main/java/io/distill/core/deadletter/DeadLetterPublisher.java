package io.distill.core.deadletter;

import io.distill.core.serde.RecordDecodeException;
import io.distill.schema.DeadLetter;
import java.util.Objects;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends dead letters to the dead-letter topic with a producer the caller owns, so a transactional
 * producer sends them inside its transaction, together with the consumed offsets: a record is then
 * either processed or dead-lettered, exactly once.
 *
 * <p>The dead letter is keyed by the original record's raw key and its value is Avro in the
 * Confluent wire format. Serializing it needs the schema registry: a {@code
 * RegistryUnavailableException} from {@code publish} means nothing was sent and the offset must not
 * move. Thread-safe.
 */
public final class DeadLetterPublisher {
  private static final Logger log = LoggerFactory.getLogger(DeadLetterPublisher.class);

  private final String topic;
  private final Serializer<DeadLetter> serializer;
  private final DeadLetterRecords records;

  public DeadLetterPublisher(String topic, Serializer<DeadLetter> serializer, DeadLetterRecords records) {
    this.topic = Objects.requireNonNull(topic, "topic");
    this.serializer = Objects.requireNonNull(serializer, "serializer");
    this.records = Objects.requireNonNull(records, "records");
  }

  public String topic() {
    return topic;
  }

  public DeadLetterRecords records() {
    return records;
  }

  /** The dead letter as the record to send (also what a Kafka Streams handler hands back). */
  public ProducerRecord<byte[], byte[]> toProducerRecord(DeadLetter deadLetter) {
    byte[] key = deadLetter.getKey() == null ? null : bytes(deadLetter.getKey());
    return new ProducerRecord<>(topic, null, key, serializer.serialize(topic, deadLetter));
  }

  public Future<RecordMetadata> publish(Producer<byte[], byte[]> producer, DeadLetter deadLetter) {
    ProducerRecord<byte[], byte[]> pr = toProducerRecord(deadLetter);
    log.warn("dead-lettering {}-{}@{} from stage {}: {} {}", deadLetter.getTopic(), deadLetter.getPartition(),
        deadLetter.getOffset(), deadLetter.getStage(), deadLetter.getReasonCode(), deadLetter.getReason());
    return producer.send(pr);
  }

  /** Dead-letters a record that failed to decode. */
  public Future<RecordMetadata> publish(Producer<byte[], byte[]> producer, ConsumerRecord<byte[], byte[]> record, String stage,
      RecordDecodeException error) {
    return publish(producer, records.build(record, stage, error));
  }

  /** Dead-letters a record for any reason, described by {@code error} (may be null). */
  public Future<RecordMetadata> publish(Producer<byte[], byte[]> producer, ConsumerRecord<byte[], byte[]> record, String stage,
      ReasonCode reason, Throwable error) {
    return publish(producer, records.build(record, stage, reason, error));
  }

  /** Dead-letters a record refused after decoding, with an explanation (e.g. a validation failure). */
  public Future<RecordMetadata> publish(Producer<byte[], byte[]> producer, ConsumerRecord<byte[], byte[]> record, String stage,
      ReasonCode reason, String reasonText) {
    return publish(producer, records.build(record, stage, reason, reasonText));
  }

  private static byte[] bytes(java.nio.ByteBuffer b) {
    java.nio.ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }
}
