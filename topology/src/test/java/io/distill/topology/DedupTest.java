package io.distill.topology;

import static io.distill.topology.testkit.Records.label;
import static io.distill.topology.testkit.Records.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.topology.testkit.TopologyHarness;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DedupTest {

    @Test
    void aRetriedRequestWhilePendingIsADuplicate() {
        try (TopologyHarness h = new TopologyHarness(Map.of())) {
            h.send(request("r1", 1f, 1000));
            h.send(request("r1", 1f, 1000));
            h.send(label("r1", "cnn-a", 0.7, 0.2, 0.1));
            h.send(label("r1", "cnn-b", 0.7, 0.2, 0.1));
            assertEquals(1, h.examples().size());
            assertEquals(1, h.dispositions().count("duplicate"));
            assertEquals(2, h.dispositions().received());
        }
    }

    @Test
    void aReplayAfterTheDecisionIsADuplicateAndItsLabelsAreLate() {
        try (TopologyHarness h = new TopologyHarness(Map.of())) {
            h.send(request("r1", 1f, 1000));
            h.send(label("r1", "cnn-a", 0.7, 0.2, 0.1));
            h.send(label("r1", "cnn-b", 0.7, 0.2, 0.1));
            h.send(request("r1", 1f, 1000));
            h.send(label("r1", "cnn-a", 0.7, 0.2, 0.1));
            h.advance(Duration.ofSeconds(10));
            assertEquals(1, h.examples().size());
            assertEquals(1, h.dispositions().count("duplicate"));
            assertEquals(1.0, h.metrics.count("distill.topology.soft.labels.ignored", "reason", "late"));
        }
    }

    @Test
    void requestIdsAreForgottenAfterTheDedupRetention() {
        try (TopologyHarness h = new TopologyHarness(Map.of("dedup.retention.ms", "60000", "labels.window.ms", "60000"))) {
            h.send(request("r1", 1f, 1000));
            h.advance(Duration.ofSeconds(6));
            assertEquals(1, h.dispositions().count("filtered.NO_TEACHER"));
            h.advance(Duration.ofSeconds(120));
            assertTrue(h.driver().getKeyValueStore(DistillTopology.DECIDED_STORE).get("r1") == null);
        }
    }
}
