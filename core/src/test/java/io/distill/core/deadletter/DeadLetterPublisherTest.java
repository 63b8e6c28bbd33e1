package io.distill.core.deadletter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.registry.InMemoryRegistryClient;
import io.distill.core.registry.RegistryUnavailableException;
import io.distill.core.serde.AvroSerde;
import io.distill.core.serde.DistillSerdes;
import io.distill.core.serde.SchemaMismatchException;
import io.distill.schema.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

class DeadLetterPublisherTest {
  private final InMemoryRegistryClient registry = new InMemoryRegistryClient();
  private final AvroSerde<DeadLetter> serde = DistillSerdes.of(DeadLetter.class, registry, false);
  private final DeadLetterPublisher publisher = new DeadLetterPublisher("distill.dead-letters", serde.serializer(), new DeadLetterRecords());
  private final ConsumerRecord<byte[], byte[]> rec = new ConsumerRecord<>("distill.requests", 1, 10L,
      "req-3".getBytes(StandardCharsets.UTF_8), new byte[] {0, 0, 0, 0, 9, 1});

  @Test
  void sendsInsideTheProducersTransaction() {
    MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    producer.initTransactions();
    producer.beginTransaction();
    publisher.publish(producer, rec, "teacher-service/decode", new SchemaMismatchException("distill.requests", 9, "other type", null));
    assertTrue(producer.history().isEmpty(), "nothing is visible before the commit");
    producer.commitTransaction();

    List<ProducerRecord<byte[], byte[]>> sent = producer.history();
    assertEquals(1, sent.size());
    assertEquals("distill.dead-letters", sent.get(0).topic());
    assertArrayEquals(rec.key(), sent.get(0).key());
    DeadLetter dl = serde.deserializer().deserialize("distill.dead-letters", sent.get(0).value());
    assertEquals("SCHEMA_MISMATCH", dl.getReasonCode());
    assertEquals("teacher-service/decode", dl.getStage());
    assertEquals(10L, dl.getOffset());
    assertEquals(6, dl.getOriginalSize());
  }

  @Test
  void validationFailuresCarryTheirOwnReason() {
    MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    publisher.publish(producer, rec, "topology/validate", ReasonCode.NON_FINITE_VALUE, "input[17] is NaN");
    DeadLetter dl = serde.deserializer().deserialize("d", producer.history().get(0).value());
    assertEquals("NON_FINITE_VALUE", dl.getReasonCode());
    assertEquals("input[17] is NaN", dl.getReason());
  }

  @Test
  void sendsNothingWhenTheRegistryIsDown() {
    MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    registry.setUnavailable(true);
    assertThrows(RegistryUnavailableException.class,
        () -> publisher.publish(producer, rec, "s", ReasonCode.INTERNAL_ERROR, (Throwable) null));
    assertTrue(producer.history().isEmpty());
  }
}
