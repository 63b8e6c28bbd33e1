package io.distill.core.topics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.config.ConfigException;
import io.distill.core.config.DistillConfig;
import io.distill.core.registry.InMemoryRegistryClient;
import io.distill.core.serde.AvroSerde;
import io.distill.core.testing.Samples;
import io.distill.schema.InferenceRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

class TopicCatalogueTest {

  @Test
  void namesEveryTopicOfTheDesignWithThePrefix() {
    TopicCatalogue c = TopicCatalogue.defaults();
    assertEquals(List.of("distill.requests", "distill.soft-labels", "distill.responses", "distill.ground-truth", "distill.examples",
        "distill.holdout", "distill.checkpoints", "distill.checkpoint-blobs", "distill.checkpoint-control", "distill.dead-letters"),
        c.definitions().stream().map(TopicDefinition::name).toList());
    TopicCatalogue other = TopicCatalogue.builder().prefix("acme.prod.").build();
    assertEquals("acme.prod.requests", other.requests());
    assertEquals("acme.prod.dead-letters", other.deadLetters());
  }

  @Test
  void dataTopicsShareOneCountAndCheckpointTopicsHaveOnePartition() {
    TopicCatalogue c = TopicCatalogue.builder().partitions(12).replicationFactor((short) 3).minInsyncReplicas(2).build();
    for (TopicDefinition d : c.definitions()) {
      int expected = d.topic().role() == DistillTopic.Role.DATA ? 12 : 1;
      assertEquals(expected, d.partitions(), d.name());
      assertEquals(3, d.replicationFactor(), d.name());
      assertEquals("2", d.configs().get("min.insync.replicas"), d.name());
    }
    Set<DistillTopic> coPartitioned = java.util.Arrays.stream(DistillTopic.values()).filter(DistillTopic::coPartitioned)
        .collect(Collectors.toSet());
    assertEquals(Set.of(DistillTopic.REQUESTS, DistillTopic.SOFT_LABELS, DistillTopic.GROUND_TRUTH, DistillTopic.EXAMPLES,
        DistillTopic.HOLDOUT), coPartitioned);
  }

  @Test
  void checkpointTopicsAreCompactedAndDataTopicsExpire() {
    TopicCatalogue c = TopicCatalogue.builder().retention(Duration.ofDays(3)).build();
    for (DistillTopic t : List.of(DistillTopic.CHECKPOINTS, DistillTopic.CHECKPOINT_CONTROL, DistillTopic.CHECKPOINT_BLOBS)) {
      assertEquals("compact", c.definition(t).configs().get("cleanup.policy"), t.name());
      assertFalse(c.definition(t).configs().containsKey("retention.ms"), t.name());
    }
    assertEquals("delete", c.definition(DistillTopic.EXAMPLES).configs().get("cleanup.policy"));
    assertEquals(Long.toString(Duration.ofDays(3).toMillis()), c.definition(DistillTopic.REQUESTS).configs().get("retention.ms"));
    assertEquals(Long.toString(Duration.ofDays(14).toMillis()), c.definition(DistillTopic.DEAD_LETTERS).configs().get("retention.ms"));
  }

  @Test
  void blobTopicTakesMegabyteChunks() {
    TopicCatalogue c = TopicCatalogue.defaults();
    int max = Integer.parseInt(c.definition(DistillTopic.CHECKPOINT_BLOBS).configs().get("max.message.bytes"));
    assertEquals(1 << 20, c.blobChunkBytes());
    assertTrue(max >= c.blobChunkBytes() + 16 * 1024, "room for a 1 MiB chunk and record overhead: " + max);
    assertEquals(max, c.blobProducerOverrides().get("max.request.size"));
    assertEquals(max, c.blobConsumerOverrides().get("max.partition.fetch.bytes"));
    assertThrows(IllegalArgumentException.class, () -> TopicCatalogue.builder().blobChunkBytes(1 << 20).blobMaxMessageBytes(1 << 20).build());
  }

  @Test
  void newTopicCarriesTheDefinition() {
    NewTopic t = TopicCatalogue.defaults().definition(DistillTopic.CHECKPOINT_CONTROL).newTopic();
    assertEquals("distill.checkpoint-control", t.name());
    assertEquals(1, t.numPartitions());
    assertEquals(Map.of("cleanup.policy", "compact"), t.configs());
  }

  @Test
  void readsTheTopicsKeys() {
    TopicCatalogue c = TopicCatalogue.fromConfig(DistillConfig.of(Map.of("topics.prefix", "dev.", "topics.partitions", "3",
        "topics.replication.factor", "3", "topics.min.insync.replicas", "2", "topics.retention.ms", "2d",
        "topics.blobs.chunk.bytes", "512KiB", "topics.blobs.max.message.bytes", "1MiB")));
    assertEquals("dev.examples", c.examples());
    assertEquals(3, c.definition(DistillTopic.HOLDOUT).partitions());
    assertEquals(3, c.replicationFactor());
    assertEquals(512 * 1024, c.blobChunkBytes());
    assertEquals(Long.toString(Duration.ofDays(2).toMillis()), c.definition(DistillTopic.EXAMPLES).configs().get("retention.ms"));
    assertEquals("2", c.definition(DistillTopic.CHECKPOINTS).configs().get("min.insync.replicas"));
  }

  @Test
  void oneTopicCanBeRenamedOnItsOwn() {
    TopicCatalogue c = TopicCatalogue.fromConfig(DistillConfig.of(Map.of("topics.prefix", "dev.",
        "topics.name.ground-truth", "dev.ground-truth-all", "topics.name.examples", "exp1.examples")));
    assertEquals("dev.ground-truth-all", c.groundTruth());
    assertEquals("exp1.examples", c.examples());
    assertEquals("exp1.examples", c.definition(DistillTopic.EXAMPLES).name());
    assertEquals("dev.holdout", c.holdout());
    assertEquals("dev.requests", c.requests());
  }

  @Test
  void ensureKeepsTryingWhileNoBrokerAnswersThenGivesUpWithATimeout() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Map<String, Object> props = Map.of("bootstrap.servers", "127.0.0.1:" + port, "request.timeout.ms", 500,
        "default.api.timeout.ms", 1000, "reconnect.backoff.max.ms", 200);
    try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(props)) {
      long t0 = System.nanoTime();
      TopicCatalogue.BrokerTimeoutException e = assertThrows(TopicCatalogue.BrokerTimeoutException.class,
          () -> TopicCatalogue.defaults().ensure(admin, Duration.ofMillis(300), Duration.ofSeconds(3)));
      long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
      // first try, then retries after 1 s and 2 s of backoff: at least one retry happened before giving up
      assertTrue(elapsedMs >= 1_300, "gave up after " + elapsedMs + " ms");
      assertTrue(e.getMessage().contains("list topics"), e.getMessage());
    }
  }

  @Test
  void badTopicNameOverridesAreConfigErrors() {
    assertEquals("topics.name.exampels", assertThrows(ConfigException.class,
        () -> TopicCatalogue.fromConfig(DistillConfig.of(Map.of("topics.name.exampels", "x")))).key());
    assertEquals("topics.name.examples", assertThrows(ConfigException.class,
        () -> TopicCatalogue.fromConfig(DistillConfig.of(Map.of("topics.name.examples", "bad name")))).key());
    ConfigException clash = assertThrows(ConfigException.class,
        () -> TopicCatalogue.fromConfig(DistillConfig.of(Map.of("topics.name.holdout", "distill.examples"))));
    assertEquals("topics.name.holdout", clash.key());
    assertTrue(clash.getMessage().contains("examples"), clash.getMessage());
  }

  @Test
  void badTopicsKeysAreConfigErrors() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> TopicCatalogue.fromConfig(DistillConfig.of(Map.of("topics.partitions", "0"))));
    assertEquals("topics.partitions", e.key());
    assertEquals("topics.prefix", assertThrows(ConfigException.class,
        () -> TopicCatalogue.fromConfig(DistillConfig.of(Map.of("topics.prefix", "bad prefix/")))).key());
    assertEquals("topics.min.insync.replicas", assertThrows(ConfigException.class,
        () -> TopicCatalogue.fromConfig(DistillConfig.of(Map.of("topics.replication.factor", "1", "topics.min.insync.replicas", "2"))))
        .key());
  }

  @Test
  void typedTopicsPairNamesWithSerdes() {
    InMemoryRegistryClient registry = new InMemoryRegistryClient();
    Topics topics = TopicCatalogue.defaults().topics(registry, true);
    Topic<String, InferenceRequest> requests = topics.requests();
    assertEquals("distill.requests", requests.name());
    assertInstanceOf(AvroSerde.class, requests.valueSerde());
    byte[] bytes = requests.serializeValue(Samples.request("r"));
    assertEquals(Samples.request("r"), requests.valueDeserializer().deserialize(requests.name(), bytes));
    assertEquals("r", requests.keyDeserializer().deserialize(requests.name(), requests.serializeKey("r")));
    assertEquals("distill.requests", requests.record("r", Samples.request("r")).topic());
    assertEquals(List.of("distill.requests-value"), registry.subjects());
    assertEquals(topics.examples().valueSerde(), topics.holdout().valueSerde());
    assertEquals("distill.dead-letters", topics.deadLetterPublisher(new io.distill.core.deadletter.DeadLetterRecords()).topic());
  }
}
