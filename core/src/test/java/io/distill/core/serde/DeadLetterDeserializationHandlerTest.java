package io.distill.core.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.deadletter.ReasonCode;
import io.distill.core.registry.InMemoryRegistryClient;
import io.distill.core.registry.RegistryException;
import io.distill.core.registry.RegistryUnavailableException;
import io.distill.schema.DeadLetter;
import io.distill.schema.InferenceRequest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler.Response;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler.Result;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;

class DeadLetterDeserializationHandlerTest {
  private final InMemoryRegistryClient registry = new InMemoryRegistryClient();
  private final ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>("distill.requests", 2, 77L,
      "req-1".getBytes(StandardCharsets.UTF_8), new byte[] {'x', 'y', 'z'});

  private record Context(ConsumerRecord<byte[], byte[]> r) implements ErrorHandlerContext {
    public String topic() {
      return r.topic();
    }

    public int partition() {
      return r.partition();
    }

    public long offset() {
      return r.offset();
    }

    public Headers headers() {
      return new RecordHeaders();
    }

    public String processorNodeId() {
      return "KSTREAM-SOURCE-0000000000";
    }

    public TaskId taskId() {
      return new TaskId(0, r.partition());
    }

    public long timestamp() {
      return 0;
    }

    public byte[] sourceRawKey() {
      return r.key();
    }

    public byte[] sourceRawValue() {
      return r.value();
    }
  }

  private DeadLetterDeserializationHandler configured() {
    DeadLetterDeserializationHandler h = new DeadLetterDeserializationHandler();
    Map<String, Object> cfg = new HashMap<>();
    cfg.put("application.id", "distill-topology");
    cfg.put(DeadLetterDeserializationHandler.DEAD_LETTER_TOPIC_CONFIG, "distill.dead-letters");
    cfg.put(DeadLetterDeserializationHandler.REGISTRY_CLIENT_CONFIG, registry);
    cfg.put("deadletter.max.value.bytes", "2");
    h.configure(cfg);
    return h;
  }

  private Exception decodeError() {
    return assertThrows(RecordDecodeException.class,
        () -> new AvroDeserializer<>(InferenceRequest.class, registry).deserialize(record.topic(), record.value()));
  }

  @Test
  void deadLettersAnUndecodableRecordAndContinues() {
    Response response = configured().handleError(new Context(record), record, decodeError());
    assertEquals(Result.RESUME, response.result());
    List<ProducerRecord<byte[], byte[]>> out = response.deadLetterQueueRecords();
    assertEquals(1, out.size());
    ProducerRecord<byte[], byte[]> dlq = out.get(0);
    assertEquals("distill.dead-letters", dlq.topic());
    assertArrayEquals(record.key(), dlq.key());

    DeadLetter dl = new AvroDeserializer<>(DeadLetter.class, registry).deserialize(dlq.topic(), dlq.value());
    assertEquals("distill.requests", dl.getTopic());
    assertEquals(2, dl.getPartition());
    assertEquals(77L, dl.getOffset());
    assertEquals("distill-topology/deserialize", dl.getStage());
    assertEquals(ReasonCode.UNKNOWN_MAGIC_BYTE.name(), dl.getReasonCode());
    assertEquals(UnknownMagicByteException.class.getName(), dl.getErrorClass());
    assertEquals(3, dl.getOriginalSize());
    assertEquals(ByteBuffer.wrap(new byte[] {'x', 'y'}), dl.getValue());
    assertTrue(dl.getTruncated());
  }

  @Test
  void otherSerializationFailuresAreDeadLetteredAsMalformed() {
    Response response = configured().handleError(new Context(record), record, new SerializationException("size 3 is not 4"));
    assertEquals(Result.RESUME, response.result());
    DeadLetter dl = new AvroDeserializer<>(DeadLetter.class, registry).deserialize("d", response.deadLetterQueueRecords().get(0).value());
    assertEquals(ReasonCode.MALFORMED.name(), dl.getReasonCode());
  }

  @Test
  void failsWhenTheRegistryIsUnavailable() {
    Response response = configured().handleError(new Context(record), record,
        new RegistryUnavailableException("registry down", 5, null));
    assertEquals(Result.FAIL, response.result());
    assertTrue(response.deadLetterQueueRecords().isEmpty());
  }

  @Test
  void failsWhenTheRegistryFailsOtherwise() {
    Response response = configured().handleError(new Context(record), record,
        new org.apache.kafka.common.KafkaException("wrapped", new RegistryException("HTTP 401", 401, 40101, null)));
    assertEquals(Result.FAIL, response.result());
  }

  @Test
  void failsWhenTheDeadLetterCannotBeEncoded() {
    DeadLetterDeserializationHandler h = configured();
    Exception error = decodeError();
    registry.setUnavailable(true);
    Response response = h.handleError(new Context(record), record, error);
    assertEquals(Result.FAIL, response.result());
  }

  @Test
  void requiresADeadLetterTopic() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new DeadLetterDeserializationHandler().configure(Map.of(DeadLetterDeserializationHandler.REGISTRY_CLIENT_CONFIG, registry)));
    assertTrue(e.getMessage().startsWith(DeadLetterDeserializationHandler.DEAD_LETTER_TOPIC_CONFIG), e.getMessage());
  }

  @Test
  void buildsItsOwnRegistryClientFromRegistryKeys() {
    DeadLetterDeserializationHandler h = new DeadLetterDeserializationHandler();
    h.configure(Map.of("errors.dead.letter.queue.topic.name", "dlq", "registry.url", "http://127.0.0.1:1",
        "registry.retry.max.wait.ms", "0"));
    // Writing the dead letter needs the (unreachable) registry: the handler fails instead of dropping.
    Response response = h.handleError(new Context(record), record, decodeError());
    assertEquals(Result.FAIL, response.result());
  }
}
