package io.distill.topology;

import static io.distill.topology.testkit.Records.label;
import static io.distill.topology.testkit.Records.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.softtarget.SoftTargets;
import io.distill.schema.TeacherContribution;
import io.distill.schema.TrainingExample;
import io.distill.topology.testkit.Records;
import io.distill.topology.testkit.TopologyHarness;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JoinAndEnsembleTest {

    private static double[] probabilities(TrainingExample e) {
        return SoftTargets.probabilities(e.getTarget());
    }

    @Test
    void emitsAsSoonAsEveryExpectedTeacherAnsweredAndRecordsThem() {
        try (TopologyHarness h = new TopologyHarness(Map.of())) {
            h.send(request("r1", 1f, 1000));
            h.send(label("r1", "cnn-a", 0.7, 0.2, 0.1));
            assertTrue(h.examples().isEmpty(), "one teacher is still missing");
            h.send(label("r1", "cnn-b", 0.5, 0.3, 0.2));
            List<TrainingExample> out = h.examples();
            assertEquals(1, out.size());
            TrainingExample e = out.get(0);
            assertEquals("r1", e.getRequestId());
            assertEquals(Records.input(1f), e.getInput(), "the input comes from the request");
            assertEquals(List.of("cnn-a", "cnn-b"), e.getTeachers().stream().map(TeacherContribution::getTeacherId).toList());
            assertNull(e.getHardLabel());
            assertEquals(Records.FASHION, e.getLabelSpace());
        }
    }

    @Test
    void softLabelsMayArriveBeforeTheirRequest() {
        try (TopologyHarness h = new TopologyHarness(Map.of())) {
            h.send(label("r1", "cnn-a", 0.7, 0.2, 0.1));
            h.send(label("r1", "cnn-b", 0.5, 0.3, 0.2));
            assertTrue(h.examples().isEmpty());
            h.send(request("r1", 1f, 1000));
            assertEquals(1, h.examples().size());
        }
    }

    @Test
    void fixedWeightsMixProbabilitiesNotLogits() {
        try (TopologyHarness h = new TopologyHarness(Map.of("teacher.cnn-a.weight", "3", "teacher.cnn-b.weight", "1"))) {
            h.send(request("r1", 1f, 1000));
            h.send(label("r1", "cnn-a", 0.9, 0.05, 0.05));
            h.send(label("r1", "cnn-b", 0.1, 0.8, 0.1));
            TrainingExample e = h.examples().get(0);
            double[] p = probabilities(e);
            assertEquals(0.75 * 0.9 + 0.25 * 0.1, p[0], 1e-5);
            assertEquals(0.75 * 0.05 + 0.25 * 0.8, p[1], 1e-5);
            assertEquals(0.75 * 0.05 + 0.25 * 0.1, p[2], 1e-5);
            assertEquals(0.75f, e.getTeachers().get(0).getWeight(), 1e-6);
            assertEquals(0.25f, e.getTeachers().get(1).getWeight(), 1e-6);
            double expectedConfidence = SoftTargets.confidence(SoftTargets.logProbs(e.getTarget()));
            assertEquals(expectedConfidence, e.getWeight(), 1e-5, "the example weight is the ensemble's confidence");
        }
    }

    @Test
    void confidenceWeightingFavoursTheSurerTeacher() {
        try (TopologyHarness h = new TopologyHarness(Map.of("ensemble.mode", "confidence"))) {
            h.send(request("r1", 1f, 1000));
            h.send(label("r1", "cnn-a", 0.98, 0.01, 0.01));
            h.send(label("r1", "cnn-b", 0.34, 0.33, 0.33));
            TrainingExample e = h.examples().get(0);
            float wa = e.getTeachers().get(0).getWeight();
            float wb = e.getTeachers().get(1).getWeight();
            assertEquals(1.0, wa + wb, 1e-5);
            assertTrue(wa > 0.95, "the confident teacher dominates, got " + wa);
            double ca = SoftTargets.confidence(SoftTargets.logProbsFromProbabilities(new double[] {0.98, 0.01, 0.01}));
            double cb = SoftTargets.confidence(SoftTargets.logProbsFromProbabilities(new double[] {0.34, 0.33, 0.33}));
            assertEquals(ca / (ca + cb), wa, 1e-5);
        }
    }

    @Test
    void repeatedAndUnknownTeachersAreIgnored() {
        try (TopologyHarness h = new TopologyHarness(Map.of())) {
            h.send(request("r1", 1f, 1000));
            h.send(label("r1", "cnn-a", 0.7, 0.2, 0.1));
            h.send(label("r1", "cnn-a", 0.1, 0.2, 0.7));
            h.send(label("r1", "rogue", 0.1, 0.2, 0.7));
            assertTrue(h.examples().isEmpty());
            h.send(label("r1", "cnn-b", 0.7, 0.2, 0.1));
            TrainingExample e = h.examples().get(0);
            assertEquals(0, SoftTargets.argmax(e.getTarget()), "the first answer of cnn-a counts");
            assertEquals(1.0, h.metrics.count("distill.topology.soft.labels.ignored", "reason", "repeated"));
            assertEquals(1.0, h.metrics.count("distill.topology.soft.labels.ignored", "reason", "unknown_teacher"));
        }
    }
}
