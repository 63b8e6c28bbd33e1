package io.distill.core.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.deadletter.DeadLetterPublisher;
import io.distill.core.deadletter.DeadLetterRecords;
import io.distill.core.registry.HttpRegistryClient;
import io.distill.core.registry.RegistryClientConfig;
import io.distill.core.registry.RegistryUnavailableException;
import io.distill.core.testing.Samples;
import io.distill.core.testing.Topics;
import io.distill.schema.DeadLetter;
import io.distill.schema.InferenceRequest;
import io.distill.schema.SoftLabel;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.junit.IntegrationTest;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * Undecodable records read from the real broker are classified by RecordDecoder and dead-lettered
 * in a transaction; a registry outage is not.
 */
@IntegrationTest
class DecodeFailuresIntegrationTest {
  private final EmbeddedStack stack;
  private final HttpRegistryClient registry;

  DecodeFailuresIntegrationTest(EmbeddedStack stack) {
    this.stack = stack;
    this.registry = HttpRegistryClient.create(stack.registryUrl());
  }

  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void eachBadRecordIsClassifiedAndDeadLetteredWithItsRawBytes() {
    String requests = stack.createUniqueTopic("requests", 1);
    String deadLetters = stack.createUniqueTopic("dead-letters", 1);
    AvroSerde<InferenceRequest> serde = DistillSerdes.of(InferenceRequest.class, registry, false);
    byte[] good = serde.serializer().serialize(requests, Samples.request("req-ok"));
    byte[] otherType = DistillSerdes.of(SoftLabel.class, registry, false).serializer().serialize(stack.uniqueTopic("labels"),
        Samples.softLabel("req-x"));

    Map<String, byte[]> sent = new LinkedHashMap<>();
    sent.put("req-json", "{\"requestId\":\"req-json\"}".getBytes(StandardCharsets.UTF_8));
    sent.put("req-unknown-id", WireFormat.frame(Integer.MAX_VALUE - 7, Arrays.copyOfRange(good, 5, good.length)));
    sent.put("req-other-type", otherType);
    sent.put("req-ok", good);
    sent.put("req-truncated", Arrays.copyOf(good, good.length - 10));
    sent.put("req-short", new byte[] {0, 0});
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(stack.producerProperties(), new ByteArraySerializer(), new ByteArraySerializer())) {
      sent.forEach((k, v) -> p.send(new ProducerRecord<>(requests, k.getBytes(StandardCharsets.UTF_8), v)));
      p.flush();
    }

    List<ConsumerRecord<byte[], byte[]>> consumed = Topics.read(stack.bootstrapServers(), requests, sent.size(),
        new ByteArrayDeserializer(), new ByteArrayDeserializer());
    assertEquals(sent.size(), consumed.size());

    RecordDecoder<InferenceRequest> decoder = RecordDecoder.of(InferenceRequest.class, HttpRegistryClient.create(stack.registryUrl()));
    DeadLetterPublisher publisher = new DeadLetterPublisher(deadLetters,
        DistillSerdes.of(DeadLetter.class, registry, false).serializer(), new DeadLetterRecords());
    Map<String, Class<?>> expectedErrors = Map.of(
        "req-json", UnknownMagicByteException.class,
        "req-unknown-id", UnknownSchemaIdException.class,
        "req-other-type", SchemaMismatchException.class,
        "req-truncated", MalformedRecordException.class,
        "req-short", MalformedRecordException.class);

    Map<String, Object> txProps = stack.producerProperties();
    txProps.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, stack.uniqueTopic("dlq-tx"));
    int decoded = 0;
    try (KafkaProducer<byte[], byte[]> tx = new KafkaProducer<>(txProps, new ByteArraySerializer(), new ByteArraySerializer())) {
      tx.initTransactions();
      tx.beginTransaction();
      for (ConsumerRecord<byte[], byte[]> rec : consumed) {
        DecodeResult<InferenceRequest> result = decoder.decode(rec);
        String key = result.key();
        if (result instanceof DecodeResult.Failed<InferenceRequest> failed) {
          assertInstanceOf(expectedErrors.get(key), failed.error(), key);
          assertEquals(rec.offset(), failed.error().offset());
          publisher.publish(tx, rec, "test/decode", failed.error());
        } else {
          assertEquals("req-ok", key);
          assertEquals(Samples.request("req-ok"), result.valueOrThrow());
          decoded++;
        }
      }
      tx.commitTransaction();
    }
    assertEquals(1, decoded);

    List<ConsumerRecord<byte[], DeadLetter>> letters = Topics.read(stack.bootstrapServers(), deadLetters, expectedErrors.size(),
        new ByteArrayDeserializer(), DistillSerdes.of(DeadLetter.class, registry, false).deserializer());
    assertEquals(expectedErrors.size(), letters.size());
    Map<String, String> reasons = new LinkedHashMap<>();
    for (ConsumerRecord<byte[], DeadLetter> r : letters) {
      String key = new String(r.key(), StandardCharsets.UTF_8);
      DeadLetter dl = r.value();
      reasons.put(key, dl.getReasonCode());
      assertEquals(requests, dl.getTopic());
      assertEquals(0, dl.getPartition());
      assertEquals(ByteBuffer.wrap(key.getBytes(StandardCharsets.UTF_8)), dl.getKey());
      assertEquals("test/decode", dl.getStage());
      assertEquals(sent.get(key).length, dl.getOriginalSize());
      byte[] kept = new byte[dl.getValue().remaining()];
      dl.getValue().duplicate().get(kept);
      assertArrayEquals(sent.get(key), kept, key);
      assertTrue(!dl.getTruncated());
    }
    assertEquals(Map.of("req-json", "UNKNOWN_MAGIC_BYTE", "req-unknown-id", "SCHEMA_NOT_FOUND", "req-other-type", "SCHEMA_MISMATCH",
        "req-truncated", "MALFORMED", "req-short", "MALFORMED"), reasons);
  }

  @Test
  void unreachableRegistryIsRetriedAndNeverADecodeError() throws IOException {
    String requests = stack.createUniqueTopic("requests-outage", 1);
    byte[] good = DistillSerdes.of(InferenceRequest.class, registry, false).serializer().serialize(requests, Samples.request("r"));
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(stack.producerProperties(), new ByteArraySerializer(), new ByteArraySerializer())) {
      p.send(new ProducerRecord<>(requests, "r".getBytes(StandardCharsets.UTF_8), good));
      p.flush();
    }
    ConsumerRecord<byte[], byte[]> rec = Topics.read(stack.bootstrapServers(), requests, 1, new ByteArrayDeserializer(),
        new ByteArrayDeserializer()).get(0);

    HttpRegistryClient down = new HttpRegistryClient(RegistryClientConfig.builder("http://127.0.0.1:" + closedPort())
        .retryBackoff(Duration.ofMillis(20)).retryBackoffMax(Duration.ofMillis(50)).retryMaxWait(Duration.ofMillis(200)).build());
    RegistryUnavailableException direct = assertThrows(RegistryUnavailableException.class, () -> down.schemaById(1));
    assertTrue(direct.attempts() > 1, "retried: " + direct.attempts());

    RecordDecoder<InferenceRequest> decoder = RecordDecoder.of(InferenceRequest.class, down);
    RegistryUnavailableException e = assertThrows(RegistryUnavailableException.class, () -> decoder.decode(rec));
    assertTrue(!DeadLetterRecords.isDeadLetterable(e));
    assertThrows(RegistryUnavailableException.class,
        () -> new AvroDeserializer<>(InferenceRequest.class, down).deserialize(requests, rec.value()));

    // Once the registry answers, the same record decodes.
    assertEquals(Samples.request("r"), RecordDecoder.of(InferenceRequest.class, registry).decode(rec).valueOrThrow());
  }
}
