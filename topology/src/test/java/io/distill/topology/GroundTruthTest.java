package io.distill.topology;

import static io.distill.topology.testkit.Records.label;
import static io.distill.topology.testkit.Records.request;
import static io.distill.topology.testkit.Records.truth;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.schema.DeadLetter;
import io.distill.schema.ExampleKind;
import io.distill.schema.Split;
import io.distill.schema.TrainingExample;
import io.distill.topology.testkit.Records;
import io.distill.topology.testkit.TopologyHarness;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GroundTruthTest {

    @Test
    void aLabelThatArrivedInTimeIsCarriedByTheExample() {
        try (TopologyHarness h = new TopologyHarness(Map.of())) {
            h.send(truth("r1", 1, 1500));
            h.send(request("r1", 1f, 1000));
            h.send(label("r1", "cnn-a", 0.7, 0.2, 0.1));
            h.send(label("r1", "cnn-b", 0.7, 0.2, 0.1));
            List<TrainingExample> out = h.examples();
            assertEquals(1, out.size());
            assertEquals(ExampleKind.EXAMPLE, out.get(0).getKind());
            assertEquals(1, out.get(0).getHardLabel());
        }
    }

    @Test
    void aLabelAfterTheExampleBecomesACorrectionInTheSameSplit() {
        try (TopologyHarness h = new TopologyHarness(Map.of("holdout.fraction", "1"))) {
            h.send(request("r1", 1f, 1000));
            h.send(label("r1", "cnn-a", 0.7, 0.2, 0.1));
            h.send(label("r1", "cnn-b", 0.7, 0.2, 0.1));
            TrainingExample example = h.holdout().get(0);
            assertNull(example.getHardLabel());
            h.send(truth("r1", 2, 60_000));
            List<TrainingExample> corrections = h.holdout();
            assertEquals(1, corrections.size());
            TrainingExample c = corrections.get(0);
            assertEquals(ExampleKind.LABEL_CORRECTION, c.getKind());
            assertEquals(Split.HOLDOUT, c.getSplit());
            assertEquals(2, c.getHardLabel());
            assertEquals(example.getSampleKey(), c.getSampleKey());
            assertNull(c.getInput());
            assertNull(c.getTarget());
            assertTrue(h.examples().isEmpty(), "a hold-out correction never reaches the training topic");
            assertEquals(1.0, h.metrics.count("distill.topology.late.labels", "outcome", "corrected"));
            h.send(truth("r1", 0, 61_000));
            assertTrue(h.holdout().isEmpty(), "one correction per example");
        }
    }

    @Test
    void aLabelBeyondTheWindowIsDropped() {
        try (TopologyHarness h = new TopologyHarness(Map.of("labels.window.ms", "10000"))) {
            h.send(request("r1", 1f, 1000));
            h.send(label("r1", "cnn-a", 0.7, 0.2, 0.1));
            h.send(label("r1", "cnn-b", 0.7, 0.2, 0.1));
            assertEquals(1, h.examples().size());
            h.send(truth("r1", 2, 12_000));
            assertTrue(h.examples().isEmpty());
            assertEquals(1.0, h.metrics.count("distill.topology.late.labels", "outcome", "expired"));
        }
    }

    @Test
    void aLabelOverAnotherLabelSpaceIsDeadLettered() {
        try (TopologyHarness h = new TopologyHarness(Map.of())) {
            h.send(request("r1", 1f, 1000));
            h.send(truth("r1", Records.space("fashion-mnist", 2, 3), 1, 1500));
            h.send(label("r1", "cnn-a", 0.7, 0.2, 0.1));
            h.send(label("r1", "cnn-b", 0.7, 0.2, 0.1));
            TrainingExample e = h.examples().get(0);
            assertNull(e.getHardLabel(), "the mismatching label is not used");
            List<DeadLetter> letters = h.deadLetters();
            assertEquals(1, letters.size());
            assertEquals("LABEL_SPACE_MISMATCH", letters.get(0).getReasonCode());
            assertEquals(h.config.groundTruthTopic(), letters.get(0).getTopic());
        }
    }
}
