package io.distill.core.topics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.testing.Topics;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.junit.IntegrationTest;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

@IntegrationTest
class TopicCatalogueIntegrationTest {
  private final EmbeddedStack stack;

  TopicCatalogueIntegrationTest(EmbeddedStack stack) {
    this.stack = stack;
  }

  private TopicCatalogue catalogue(int partitions) {
    return TopicCatalogue.builder().prefix(stack.uniqueTopic("cat") + ".").partitions(partitions).build();
  }

  @Test
  void ensureCreatesEveryTopicOnceWithItsSettings() throws Exception {
    TopicCatalogue c = catalogue(3);
    try (Admin admin = stack.adminClient()) {
      TopicCatalogue.EnsureResult first = c.ensure(admin);
      assertEquals(10, first.created().size());
      assertEquals(List.of(), first.existing());

      TopicCatalogue.EnsureResult second = c.ensure(admin);
      assertEquals(List.of(), second.created());
      assertEquals(Set.copyOf(first.created()), Set.copyOf(second.existing()));

      List<String> names = c.definitions().stream().map(TopicDefinition::name).toList();
      Map<String, TopicDescription> described = admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
      for (TopicDefinition d : c.definitions()) {
        assertEquals(d.partitions(), described.get(d.name()).partitions().size(), d.name());
      }
      assertEquals(3, described.get(c.examples()).partitions().size());
      assertEquals(1, described.get(c.checkpoints()).partitions().size());

      List<ConfigResource> resources = List.of(c.checkpoints(), c.checkpointControl(), c.checkpointBlobs(), c.requests()).stream()
          .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
      Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);
      Map<String, String> policies = configs.entrySet().stream()
          .collect(Collectors.toMap(e -> e.getKey().name(), e -> e.getValue().get("cleanup.policy").value()));
      assertEquals(Map.of(c.checkpoints(), "compact", c.checkpointControl(), "compact", c.checkpointBlobs(), "compact",
          c.requests(), "delete"), policies);
      assertEquals(Integer.toString(c.blobMaxMessageBytes()),
          configs.get(new ConfigResource(ConfigResource.Type.TOPIC, c.checkpointBlobs())).get("max.message.bytes").value());
    }
  }

  @Test
  void refusesACoPartitionedTopicWithAnotherPartitionCount() throws Exception {
    TopicCatalogue c = catalogue(6);
    stack.createTopic(c.softLabels(), 3);
    stack.createTopic(c.responses(), 2);
    try (Admin admin = stack.adminClient()) {
      TopicMismatchException e = assertThrows(TopicMismatchException.class, () -> c.ensure(admin));
      assertEquals(1, e.problems().size(), e.getMessage());
      assertTrue(e.getMessage().contains(c.softLabels() + " has 3 partition(s), the catalogue says 6"), e.getMessage());
      // Nothing was created on a cluster that does not fit.
      Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      assertTrue(!existing.contains(c.requests()), "requests must not be created");
    }
  }

  @Test
  void blobTopicCarriesMegabyteChunks() {
    TopicCatalogue c = catalogue(1);
    try (Admin admin = stack.adminClient()) {
      c.ensure(admin);
    }
    byte[] chunk = new byte[c.blobChunkBytes()];
    new Random(7).nextBytes(chunk);
    Map<String, Object> props = stack.producerProperties();
    props.putAll(c.blobProducerOverrides());
    try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
      p.send(new ProducerRecord<>(c.checkpointBlobs(), "student:1:0", chunk));
      p.flush();
    }
    List<ConsumerRecord<String, byte[]>> read = Topics.read(stack.bootstrapServers(), c.checkpointBlobs(), 1, new StringDeserializer(),
        new ByteArrayDeserializer());
    assertEquals(1, read.size());
    assertEquals("student:1:0", read.get(0).key());
    assertArrayEquals(chunk, read.get(0).value());
  }
}
