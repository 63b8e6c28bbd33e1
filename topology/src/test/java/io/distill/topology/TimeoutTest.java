package io.distill.topology;

import static io.distill.topology.testkit.Records.label;
import static io.distill.topology.testkit.Records.request;
import static io.distill.topology.testkit.Records.truth;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.schema.TrainingExample;
import io.distill.topology.testkit.TopologyHarness;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Wall-clock timeouts: what was answered comes out even when stream time stands still. */
class TimeoutTest {

    @Test
    void emitsWithTheTeachersThatAnsweredWhenTheTimeoutPasses() {
        try (TopologyHarness h = new TopologyHarness(Map.of())) {
            h.send(request("r1", 1f, 1000));
            h.send(label("r1", "cnn-a", 0.7, 0.2, 0.1));
            h.advance(Duration.ofMillis(4000));
            assertTrue(h.examples().isEmpty(), "not before the timeout");
            h.advance(Duration.ofMillis(1500));
            List<TrainingExample> out = h.examples();
            assertEquals(1, out.size());
            assertEquals(1, out.get(0).getTeachers().size());
            assertEquals("cnn-a", out.get(0).getTeachers().get(0).getTeacherId());
            assertEquals(1.0f, out.get(0).getTeachers().get(0).getWeight(), 1e-6);
            assertEquals(1, h.dispositions().count("example.train"));
        }
    }

    @Test
    void aRequestNoTeacherAnsweredIsFilteredWithoutGroundTruth() {
        try (TopologyHarness h = new TopologyHarness(Map.of())) {
            h.send(request("r1", 1f, 1000));
            h.advance(Duration.ofSeconds(6));
            assertTrue(h.examples().isEmpty());
            assertEquals(1, h.dispositions().count("filtered.NO_TEACHER"));
        }
    }

    @Test
    void aRequestNoTeacherAnsweredBecomesAHardLabelExampleWithGroundTruth() {
        try (TopologyHarness h = new TopologyHarness(Map.of())) {
            h.send(request("r1", 1f, 1000));
            h.send(truth("r1", 2, 2000));
            h.advance(Duration.ofSeconds(6));
            List<TrainingExample> out = h.examples();
            assertEquals(1, out.size());
            assertNull(out.get(0).getTarget());
            assertEquals(2, out.get(0).getHardLabel());
            assertEquals(1.0f, out.get(0).getWeight());
            assertEquals("fashion-mnist", out.get(0).getLabelSpace().getId());
        }
    }

    @Test
    void withoutExpectedTeachersEverythingWaitsForTheTimeout() {
        try (TopologyHarness h = new TopologyHarness(Map.of("teachers", ""))) {
            h.send(request("r1", 1f, 1000));
            h.send(label("r1", "any-teacher", 0.7, 0.2, 0.1));
            assertTrue(h.examples().isEmpty());
            h.advance(Duration.ofSeconds(6));
            assertEquals(1, h.examples().size());
        }
    }

    @Test
    void orphanedSoftLabelsAreDroppedAfterTheirRetention() {
        try (TopologyHarness h = new TopologyHarness(Map.of("orphan.retention.ms", "10000"))) {
            h.send(label("never", "cnn-a", 0.7, 0.2, 0.1));
            h.advance(Duration.ofSeconds(11));
            assertEquals(1.0, h.metrics.count("distill.topology.soft.labels.ignored", "reason", "orphaned"));
            assertNull(h.driver().getKeyValueStore(DistillTopology.PENDING_STORE).get("never"));
        }
    }
}
