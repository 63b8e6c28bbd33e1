package io.distill.trainer.it;

import io.distill.core.checkpoint.store.ManifestKeys;
import io.distill.schema.CheckpointControl;
import io.distill.schema.CheckpointManifest;
import io.distill.schema.ControlMode;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.junit.IntegrationTest;
import io.distill.trainer.publish.Lineage;
import io.distill.trainer.service.TrainerService;
import io.distill.trainer.tuning.DistillationSetting;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The trainer on the real stack with self-tuning and a retention of two versions: the tuner changes temperature and
 * alpha from real hold-out metrics, the manifests record the setting, versions beyond the newest two are retired
 * (manifest and chunk tombstones) except the pinned one, and the consumer lag ends at 0.
 */
@IntegrationTest
class SelfTuningAndRetentionTest {

    private static final List<DistillationSetting> GRID = DistillationSetting.parseGrid("4:0.9,1:0.3");

    @Test
    void tunesTemperatureAndAlphaRetiresOldVersionsButThePinnedOneAndEndsWithoutLag(EmbeddedStack stack)
            throws Exception {
        try (StreamFixture f = new StreamFixture(stack, "tuning-it")) {
            String model = "fashion-tuned";
            CheckpointControl pin = CheckpointControl.newBuilder().setModelName(model).setMode(ControlMode.PINNED)
                    .setVersion(1L).setActor("test").setAt(Instant.now()).setReason("keep v1").build();
            f.sendRaw(f.topics.checkpointControl().name(), model, f.topics.checkpointControl().serializeValue(pin));
            f.sendHoldout(600);
            f.sendTrain(0, 4000, y -> y);
            Map<String, String> config = f.trainerConfig(model);
            config.put("trainer.tuning", "bandit");
            config.put("trainer.tuning.grid", "4:0.9,1:0.3");
            config.put("trainer.tuning.window.samples", "300");
            config.put("trainer.tuning.eval.examples", "500");
            config.put("trainer.tuning.min.holdout", "200");
            config.put("trainer.retain.versions", "2");
            config.put("trainer.publish.every.samples", "700");
            config.put("trainer.gate.first.version.after.samples", "700");
            config.put("trainer.gate.min.holdout", "500");
            // This test is about tuning and retention, not the gate: let every candidate through.
            config.put("trainer.gate.tolerance", "1");
            config.put("trainer.gate.kl.tolerance", "100");
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            TrainerService service = f.service(config, meters);
            service.start();
            Thread loop = new Thread(service, "trainer-loop");
            loop.start();
            try {
                StreamFixture.await("every example trained and a settled lineage", Duration.ofMinutes(3), () -> {
                    if (service.lag() != 0 || service.publishedVersion() < 5) {
                        return false;
                    }
                    Lineage l = f.lineage(model);
                    long newest = l.newest().map(CheckpointManifest::getVersion).orElse(0L);
                    return newest == service.publishedVersion()
                            && l.live().keySet().equals(new TreeSet<>(List.of(1L, newest - 1, newest)));
                });
                assertEquals(0.0, meters.get("distill.trainer.consumer.lag").gauge().value());

                // Self-tuning: the bandit moved off its first candidate after trying it, on real hold-out scores.
                assertTrue(service.tuningChanges() >= 1);
                assertTrue(meters.get("distill.trainer.tuning.changes").counter().count() >= 1);
                DistillationSetting now = service.distillationSetting();
                assertTrue(GRID.contains(now), now.toString());
                double gaugeT = meters.get("distill.trainer.distillation.temperature").gauge().value();
                assertTrue(gaugeT == 4.0 || gaugeT == 1.0, "temperature gauge " + gaugeT);
                Lineage lineage = f.lineage(model);
                CheckpointManifest newest = lineage.newest().orElseThrow();
                DistillationSetting recorded = new DistillationSetting(newest.getMetrics().get("distillation.temperature"),
                        newest.getMetrics().get("distillation.alpha"));
                assertTrue(GRID.contains(recorded), recorded.toString());
                assertTrue(newest.getMetrics().get("tuning.changes") >= 1, newest.getMetrics().toString());

                // Retention: the retired versions' chunks are tombstoned too; the pinned v1's are not.
                Set<String> chunks = tombstonedKeys(f, f.topics.checkpointBlobs().name());
                Set<String> manifests = tombstonedKeys(f, f.topics.checkpoints().name());
                for (long v = 2; v < newest.getVersion() - 1; v++) {
                    assertTrue(chunks.contains(ManifestKeys.chunkKey(model, v, 0)), "chunk of v" + v);
                    assertTrue(manifests.contains(ManifestKeys.manifestKey(model, v)), "manifest of v" + v);
                }
                assertTrue(!chunks.contains(ManifestKeys.chunkKey(model, 1, 0)) && !manifests.contains(
                        ManifestKeys.manifestKey(model, 1)), "the pinned version was retired");
                assertTrue(lineage.highestVersion() >= 5);
            } finally {
                service.close();
                loop.join(30_000);
            }
        }
    }

    /** Keys whose newest committed record on the topic is a tombstone. */
    private static Set<String> tombstonedKeys(StreamFixture f, String topic) {
        Map<String, Object> props = new HashMap<>(f.stack.clientProperties());
        props.put("isolation.level", "read_committed");
        Set<String> tombstoned = new HashSet<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            c.partitionsFor(topic).forEach(p -> parts.add(new TopicPartition(p.topic(), p.partition())));
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    String key = new String(r.key(), StandardCharsets.UTF_8);
                    if (r.value() == null) {
                        tombstoned.add(key);
                    } else {
                        tombstoned.remove(key);
                    }
                }
            }
        }
        return tombstoned;
    }
}
