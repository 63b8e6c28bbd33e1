package io.distill.core.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.registry.HttpRegistryClient;
import io.distill.core.registry.RegistryClientConfig;
import io.distill.core.testing.Samples;
import io.distill.core.testing.Topics;
import io.distill.schema.DeadLetter;
import io.distill.schema.InferenceRequest;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.junit.IntegrationTest;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The handler inside a real exactly-once Kafka Streams application. */
@IntegrationTest
class DeadLetterDeserializationHandlerIntegrationTest {
  private final EmbeddedStack stack;
  @TempDir
  Path stateDir;

  DeadLetterDeserializationHandlerIntegrationTest(EmbeddedStack stack) {
    this.stack = stack;
  }

  private Properties streamsProps(String appId, String deadLetters, Object registryClient) {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
    p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterDeserializationHandler.class);
    p.put(DeadLetterDeserializationHandler.DEAD_LETTER_TOPIC_CONFIG, deadLetters);
    p.put(DeadLetterDeserializationHandler.REGISTRY_CLIENT_CONFIG, registryClient);
    return p;
  }

  private void produce(String topic, Map<String, byte[]> records) {
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(stack.producerProperties(), new ByteArraySerializer(), new ByteArraySerializer())) {
      records.forEach((k, v) -> p.send(new ProducerRecord<>(topic, k.getBytes(StandardCharsets.UTF_8), v)));
      p.flush();
    }
  }

  private static KafkaStreams app(String in, String out, Properties props, AvroSerde<InferenceRequest> serde) {
    StreamsBuilder b = new StreamsBuilder();
    b.stream(in, Consumed.with(Serdes.String(), serde)).mapValues(InferenceRequest::getTask).to(out, Produced.with(Serdes.String(), Serdes.String()));
    return new KafkaStreams(b.build(), props);
  }

  @Test
  void undecodableRecordsGoToTheDeadLetterTopicAndProcessingContinues() {
    HttpRegistryClient registry = HttpRegistryClient.create(stack.registryUrl());
    String in = stack.createUniqueTopic("handler-in", 1);
    String out = stack.createUniqueTopic("handler-out", 1);
    String dlq = stack.createUniqueTopic("handler-dlq", 1);
    AvroSerde<InferenceRequest> serde = DistillSerdes.of(InferenceRequest.class, registry, false);
    Map<String, byte[]> records = new java.util.LinkedHashMap<>();
    records.put("r1", serde.serializer().serialize(in, Samples.request("r1")));
    records.put("bad-json", "{}".getBytes(StandardCharsets.UTF_8));
    records.put("bad-id", WireFormat.frame(Integer.MAX_VALUE - 3, new byte[] {2, 'x'}));
    records.put("r2", serde.serializer().serialize(in, Samples.request("r2")));
    produce(in, records);

    try (KafkaStreams streams = app(in, out, streamsProps(stack.uniqueTopic("handler-app"), dlq, registry), serde)) {
      streams.start();
      List<ConsumerRecord<String, String>> outputs = Topics.read(stack.bootstrapServers(), out, 2, new StringDeserializer(),
          new StringDeserializer());
      assertEquals(List.of("r1", "r2"), outputs.stream().map(ConsumerRecord::key).toList());
      List<ConsumerRecord<byte[], DeadLetter>> letters = Topics.read(stack.bootstrapServers(), dlq, 2, new ByteArrayDeserializer(),
          DistillSerdes.of(DeadLetter.class, registry, false).deserializer());
      assertEquals(List.of("UNKNOWN_MAGIC_BYTE", "SCHEMA_NOT_FOUND"), letters.stream().map(r -> r.value().getReasonCode()).toList());
      assertEquals(List.of(1L, 2L), letters.stream().map(r -> r.value().getOffset()).toList());
      assertEquals("bad-json", new String(letters.get(0).key(), StandardCharsets.UTF_8));
      assertTrue(letters.get(0).value().getStage().endsWith("/deserialize"));
    }
  }

  @Test
  void registryOutageStopsTheTaskWithoutDeadLetteringOrCommitting() throws Exception {
    HttpRegistryClient registry = HttpRegistryClient.create(stack.registryUrl());
    String in = stack.createUniqueTopic("outage-in", 1);
    String out = stack.createUniqueTopic("outage-out", 1);
    String dlq = stack.createUniqueTopic("outage-dlq", 1);
    AvroSerde<InferenceRequest> writer = DistillSerdes.of(InferenceRequest.class, registry, false);
    produce(in, Map.of("r1", writer.serializer().serialize(in, Samples.request("r1"))));

    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    HttpRegistryClient down = new HttpRegistryClient(RegistryClientConfig.builder("http://127.0.0.1:" + closedPort)
        .retryBackoff(Duration.ofMillis(20)).retryBackoffMax(Duration.ofMillis(50)).retryMaxWait(Duration.ofMillis(200)).build());
    String appId = stack.uniqueTopic("outage-app");
    CountDownLatch failed = new CountDownLatch(1);
    try (KafkaStreams streams = app(in, out, streamsProps(appId, dlq, down), DistillSerdes.of(InferenceRequest.class, down, false))) {
      streams.setUncaughtExceptionHandler(e -> {
        failed.countDown();
        return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
      });
      streams.start();
      assertTrue(failed.await(120, TimeUnit.SECONDS), "the stream thread failed on the registry outage");
    }
    assertTrue(Topics.readToEnd(stack.bootstrapServers(), dlq, new ByteArrayDeserializer(), new ByteArrayDeserializer()).isEmpty(),
        "nothing dead-lettered");
    assertTrue(Topics.readToEnd(stack.bootstrapServers(), out, new ByteArrayDeserializer(), new ByteArrayDeserializer()).isEmpty());
    try (Admin admin = stack.adminClient()) {
      Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(appId).partitionsToOffsetAndMetadata()
          .get(30, TimeUnit.SECONDS);
      OffsetAndMetadata o = committed.get(new TopicPartition(in, 0));
      assertTrue(o == null || o.offset() == 0, "the record is read again after a restart: " + o);
    }
  }
}
