package io.distill.core.topics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.distill.stack.EmbeddedStack;
import io.distill.stack.junit.IntegrationTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Topics are writable the moment {@link TopicCatalogue#ensure} returns: a producer that does not retry writes to
 * every partition without a NOT_LEADER_OR_FOLLOWER answer. For comparison (logged, not asserted: it is a race) the
 * same writes right after a wait that only looks for a leader in the topic description, which a KRaft broker shows
 * before its replica manager hosts the partition.
 */
@IntegrationTest
class TopicWritableOnCreationTest {
  private static final Logger log = LoggerFactory.getLogger(TopicWritableOnCreationTest.class);
  private static final int ROUNDS = 3;

  @Test
  void everyPartitionTakesAWriteOnceEnsureReturns(EmbeddedStack stack) throws Exception {
    int refusedAfterEnsure = 0;
    int refusedAfterDescribe = 0;
    int writes = 0;
    try (Admin admin = stack.adminClient(); KafkaProducer<byte[], byte[]> producer = noRetries(stack)) {
      for (int round = 0; round < ROUNDS; round++) {
        TopicCatalogue c = TopicCatalogue.builder().prefix(stack.uniqueTopic("writable") + ".").partitions(6).build();
        c.ensure(admin);
        List<String> names = c.definitions().stream().map(TopicDefinition::name).toList();
        Map<String, TopicDescription> described = admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
        refusedAfterEnsure += writeEveryPartition(producer, described);
        writes += described.values().stream().mapToInt(d -> d.partitions().size()).sum();

        String bare = stack.uniqueTopic("bare");
        admin.createTopics(List.of(new NewTopic(bare, 6, (short) 1))).all().get(30, TimeUnit.SECONDS);
        refusedAfterDescribe += writeEveryPartition(producer, awaitDescribedLeaders(admin, bare));
      }
    }
    log.info("NOT_LEADER_OR_FOLLOWER answers to {} writes right after ensure: {}; to {} writes right after a "
        + "describe-only leader wait: {}", writes, refusedAfterEnsure, ROUNDS * 6, refusedAfterDescribe);
    assertEquals(0, refusedAfterEnsure, "writes refused right after ensure returned");
  }

  private static KafkaProducer<byte[], byte[]> noRetries(EmbeddedStack stack) {
    Map<String, Object> p = new HashMap<>(stack.clientProperties());
    p.put(ProducerConfig.RETRIES_CONFIG, 0);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static Map<String, TopicDescription> awaitDescribedLeaders(Admin admin, String topic) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      try {
        TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
        if (d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty())) {
          return Map.of(topic, d);
        }
      } catch (ExecutionException e) {
        // not visible yet
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no leaders for " + topic);
      }
      Thread.sleep(20);
    }
  }

  /** Writes one record to each partition at once; returns how many were refused with NOT_LEADER_OR_FOLLOWER. */
  private static int writeEveryPartition(KafkaProducer<byte[], byte[]> producer, Map<String, TopicDescription> topics)
      throws InterruptedException {
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    for (TopicDescription d : topics.values()) {
      d.partitions().forEach(p -> sent.add(producer.send(
          new ProducerRecord<>(d.name(), p.partition(), "k".getBytes(), "v".getBytes()))));
    }
    int refused = 0;
    for (Future<RecordMetadata> f : sent) {
      try {
        f.get();
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof NotLeaderOrFollowerException)) {
          throw new AssertionError("write failed: " + e.getCause(), e.getCause());
        }
        refused++;
      }
    }
    return refused;
  }
}
