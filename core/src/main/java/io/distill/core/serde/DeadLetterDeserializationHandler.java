package io.distill.core.serde;

import io.distill.core.deadletter.DeadLetterPublisher;
import io.distill.core.deadletter.DeadLetterRecords;
import io.distill.core.deadletter.ReasonCode;
import io.distill.core.registry.HttpRegistryClient;
import io.distill.core.registry.RegistryClient;
import io.distill.core.registry.RegistryClientConfig;
import io.distill.core.registry.RegistryException;
import io.distill.schema.DeadLetter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka Streams deserialization handler: a record that cannot be decoded is turned into a {@link
 * DeadLetter} and handed back to Streams, which writes it to the dead-letter topic in the task's own
 * transaction (exactly-once), and processing continues.
 *
 * <p>A registry failure is not the record's fault and is never dead-lettered: on {@code
 * RegistryUnavailableException} (or another registry error, e.g. bad credentials) the handler
 * answers FAIL. The stream thread then stops without committing the record; give the application a
 * {@code StreamsUncaughtExceptionHandler} answering {@code REPLACE_THREAD} so it is read again once
 * the registry is back.
 *
 * <p>Set it with {@code deserialization.exception.handler}. Configuration read from the Streams
 * properties:
 *
 * <pre>
 * distill.deadletter.topic        dead-letter topic (else errors.dead.letter.queue.topic.name)
 * distill.deadletter.stage        stage written in the dead letters (default: application.id + "/deserialize")
 * deadletter.max.value.bytes      cap on the kept raw value (default 65536)
 * distill.registry.client         a RegistryClient instance to use, or else:
 * registry.url, registry.*        settings of a registry client the handler creates
 * </pre>
 */
public class DeadLetterDeserializationHandler implements DeserializationExceptionHandler {
  private static final Logger log = LoggerFactory.getLogger(DeadLetterDeserializationHandler.class);

  public static final String DEAD_LETTER_TOPIC_CONFIG = "distill.deadletter.topic";
  public static final String STAGE_CONFIG = "distill.deadletter.stage";
  public static final String REGISTRY_CLIENT_CONFIG = "distill.registry.client";
  private static final String STREAMS_DLQ_TOPIC_CONFIG = "errors.dead.letter.queue.topic.name";

  private DeadLetterPublisher publisher;
  private String stage;

  /** For Kafka Streams, which calls {@link #configure(Map)}. */
  public DeadLetterDeserializationHandler() {}

  public DeadLetterDeserializationHandler(DeadLetterPublisher publisher, String stage) {
    this.publisher = publisher;
    this.stage = stage;
  }

  @Override
  public void configure(Map<String, ?> configs) {
    if (publisher != null) {
      return;
    }
    Object topic = configs.get(DEAD_LETTER_TOPIC_CONFIG);
    if (topic == null) {
      topic = configs.get(STREAMS_DLQ_TOPIC_CONFIG);
    }
    if (topic == null || topic.toString().isBlank()) {
      throw new IllegalArgumentException(DEAD_LETTER_TOPIC_CONFIG + ": missing; the dead-letter topic is required");
    }
    Object s = configs.get(STAGE_CONFIG);
    Object app = configs.get(StreamsConfig.APPLICATION_ID_CONFIG);
    this.stage = s != null ? s.toString() : (app != null ? app + "/deserialize" : "streams/deserialize");
    int maxBytes = DeadLetterRecords.DEFAULT_MAX_VALUE_BYTES;
    Object max = configs.get(DeadLetterRecords.MAX_VALUE_BYTES_CONFIG);
    if (max != null) {
      try {
        maxBytes = Integer.parseInt(max.toString().trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(DeadLetterRecords.MAX_VALUE_BYTES_CONFIG + ": expected an integer, got '" + max + "'");
      }
    }
    RegistryClient registry;
    Object client = configs.get(REGISTRY_CLIENT_CONFIG);
    if (client instanceof RegistryClient rc) {
      registry = rc;
    } else if (client != null) {
      throw new IllegalArgumentException(REGISTRY_CLIENT_CONFIG + ": expected a " + RegistryClient.class.getName()
          + ", got " + client.getClass().getName());
    } else {
      Map<String, Object> sub = new HashMap<>();
      configs.forEach((k, v) -> {
        if (k.startsWith("registry.")) {
          sub.put(k.substring("registry.".length()), v);
        }
      });
      registry = new HttpRegistryClient(RegistryClientConfig.fromProperties(sub));
    }
    this.publisher = new DeadLetterPublisher(topic.toString(),
        new AvroSerializer<>(DeadLetter.class, registry, false, true), new DeadLetterRecords(maxBytes));
  }

  @Override
  public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
    if (!DeadLetterRecords.isDeadLetterable(exception)) {
      log.error("cannot decode {}-{}@{} because the schema registry failed; failing instead of dead-lettering so the"
          + " record is read again: {}", record.topic(), record.partition(), record.offset(), exception.toString());
      return Response.fail();
    }
    ReasonCode reason = DeadLetterRecords.reasonOf(exception);
    if (exception instanceof RecordDecodeException rde) {
      rde.locate(record.topic(), record.partition(), record.offset());
    }
    try {
      DeadLetter dl = publisher.records().build(record, stage, reason, exception);
      ProducerRecord<byte[], byte[]> out = publisher.toProducerRecord(dl);
      log.warn("dead-lettering {}-{}@{} to {} from stage {}: {} {}", record.topic(), record.partition(), record.offset(),
          publisher.topic(), stage, reason, dl.getReason());
      return Response.resume(List.of(out));
    } catch (RegistryException e) {
      log.error("cannot write the dead letter for {}-{}@{} because the schema registry failed; failing so the record is"
          + " read again: {}", record.topic(), record.partition(), record.offset(), e.toString());
      return Response.fail();
    }
  }
}
