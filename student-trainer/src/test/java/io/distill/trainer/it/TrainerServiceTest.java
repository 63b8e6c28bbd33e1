package io.distill.trainer.it;

import io.distill.core.deadletter.ReasonCode;
import io.distill.schema.CheckpointManifest;
import io.distill.schema.DeadLetter;
import io.distill.schema.OffsetRange;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.junit.IntegrationTest;
import io.distill.trainer.service.TrainerService;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The trainer on the real broker and registry, learning from real Fashion-MNIST examples. */
@IntegrationTest
class TrainerServiceTest {

    @Test
    void learnsPublishesAContiguousLineageAndRejectsADegradedCandidate(EmbeddedStack stack) throws Exception {
        try (StreamFixture f = new StreamFixture(stack, "trainer-it")) {
            f.sendHoldout(1000);
            f.sendRaw(f.topics.examples().name(), "garbage", new byte[]{7, 7, 7});
            f.sendTrain(0, 3000, y -> y);
            String model = "fashion-it";
            TrainerService service = f.service(f.trainerConfig(model));
            service.start();
            Thread loop = new Thread(service, "trainer-loop");
            loop.start();
            try {
                StreamFixture.await("two published versions", Duration.ofMinutes(4), () -> service.publishedVersion() >= 2);
                List<CheckpointManifest> good = f.manifests(model);
                CheckpointManifest newest = good.get(good.size() - 1);
                assertLineage(good);
                double agreement = newest.getMetrics().get("agreement");
                assertTrue(agreement > 0.6, "hold-out agreement " + agreement + " (chance is 0.1)");
                assertTrue(newest.getTotalBytes() > 0 && newest.getBlobStore().startsWith("kafka:"));
                assertCommittedOffsetsMatch(f, service, newest);
                assertDeadLettered(f, ReasonCode.UNKNOWN_MAGIC_BYTE);

                // A teacher gone bad: every class shifted by three. Candidates trained on it must not be published.
                long before = service.publishedVersion();
                f.sendTrain(3000, 3000, y -> (y + 3) % 10);
                StreamFixture.await("a gate rejection", Duration.ofMinutes(4), () -> service.gateRejections() >= 1);
                List<CheckpointManifest> after = f.manifests(model);
                CheckpointManifest stillNewest = after.get(after.size() - 1);
                assertTrue(stillNewest.getMetrics().get("agreement") > 0.6,
                        "a degraded version was published: " + stillNewest.getMetrics());
                assertTrue(service.lastDecision().reason().contains("worse"), service.lastDecision().reason());
                assertLineage(after);
                assertTrue(service.publishedVersion() >= before);
            } finally {
                service.close();
                loop.join(30_000);
            }
        }
    }

    /** Versions 1..n, each the child of the previous, whose offset ranges join without gap or overlap from 0. */
    static void assertLineage(List<CheckpointManifest> manifests) {
        Map<String, Long> until = new HashMap<>();
        for (int i = 0; i < manifests.size(); i++) {
            CheckpointManifest m = manifests.get(i);
            assertEquals(i + 1, m.getVersion());
            if (i == 0) {
                assertNull(m.getParentVersion());
            } else {
                assertEquals(i, m.getParentVersion());
                assertTrue(m.getSamplesSeen() > manifests.get(i - 1).getSamplesSeen());
                assertTrue(m.getStep() > manifests.get(i - 1).getStep());
            }
            for (OffsetRange r : m.getOffsets()) {
                String tp = r.getTopic() + "-" + r.getPartition();
                assertEquals(until.getOrDefault(tp, 0L), r.getFromOffset(), "gap or overlap at " + tp + " in v" + m.getVersion());
                assertTrue(r.getUntilOffset() >= r.getFromOffset());
                until.put(tp, r.getUntilOffset());
            }
        }
    }

    private static void assertCommittedOffsetsMatch(StreamFixture f, TrainerService service, CheckpointManifest m)
            throws Exception {
        try (Admin admin = Admin.create(f.stack.clientProperties())) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin
                    .listConsumerGroupOffsets("distill-trainer-" + m.getModelName())
                    .partitionsToOffsetAndMetadata().get();
            // Another version may have been published meanwhile: committed offsets are at or past this manifest's.
            for (OffsetRange r : m.getOffsets()) {
                OffsetAndMetadata c = committed.get(new TopicPartition(r.getTopic(), r.getPartition()));
                assertTrue(c != null && c.offset() >= r.getUntilOffset(), "committed " + c + " for " + r);
            }
            CheckpointManifest newest = f.lineage(m.getModelName()).newest().orElseThrow();
            for (OffsetRange r : newest.getOffsets()) {
                OffsetAndMetadata c = committed.get(new TopicPartition(r.getTopic(), r.getPartition()));
                assertTrue(c.offset() <= r.getUntilOffset());
            }
        }
    }

    private static void assertDeadLettered(StreamFixture f, ReasonCode reason) throws Exception {
        Map<String, Object> props = new HashMap<>(f.stack.clientProperties());
        props.put("auto.offset.reset", "earliest");
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            consumer.partitionsFor(f.topics.deadLetters().name())
                    .forEach(p -> parts.add(new TopicPartition(p.topic(), p.partition())));
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    DeadLetter d = f.topics.deadLetters().valueDeserializer().deserialize(r.topic(), r.value());
                    if (d.getReasonCode().equals(reason.name())) {
                        return;
                    }
                }
            }
        }
        throw new AssertionError("no dead letter with reason " + reason);
    }
}
