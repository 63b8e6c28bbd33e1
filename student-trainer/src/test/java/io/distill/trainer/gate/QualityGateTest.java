package io.distill.trainer.gate;

import io.distill.trainer.eval.HoldoutMetrics;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class QualityGateTest {

    private final QualityGate gate = new QualityGate(new GatePolicy(2000, 0.01, 0.05, 10_000));

    private static HoldoutMetrics metrics(int n, double agreement, double accuracy, double kl) {
        return new HoldoutMetrics(n, agreement, accuracy, Double.isNaN(accuracy) ? 0 : n, kl, 0.05);
    }

    @Test
    void firstVersionNeedsAFullHoldoutOrEnoughSamples() {
        assertEquals(GateDecision.Verdict.PUBLISH,
                gate.decide(true, metrics(2000, 0.3, 0.3, 1.0), null, Double.NaN, 100).verdict());
        assertEquals(GateDecision.Verdict.DEFER,
                gate.decide(true, metrics(500, 0.9, 0.9, 0.1), null, Double.NaN, 9_999).verdict());
        assertEquals(GateDecision.Verdict.PUBLISH,
                gate.decide(true, metrics(500, 0.9, 0.9, 0.1), null, Double.NaN, 10_000).verdict());
    }

    @Test
    void nonFiniteWeightsAreAlwaysRejected() {
        assertEquals(GateDecision.Verdict.REJECT,
                gate.decide(false, metrics(3000, 0.9, 0.9, 0.1), null, Double.NaN, 1_000_000).verdict());
    }

    @Test
    void laterVersionsMustNotBeWorseBeyondTolerance() {
        HoldoutMetrics published = metrics(2000, 0.80, 0.78, 0.30);
        assertEquals(GateDecision.Verdict.PUBLISH,
                gate.decide(true, metrics(2000, 0.795, 0.775, 0.31), published, 0.04, 0).verdict());
        GateDecision worseAgreement = gate.decide(true, metrics(2000, 0.78, 0.78, 0.30), published, 0.1, 0);
        assertEquals(GateDecision.Verdict.REJECT, worseAgreement.verdict());
        assertEquals(0.1, worseAgreement.churn());
        assertEquals(GateDecision.Verdict.REJECT,
                gate.decide(true, metrics(2000, 0.80, 0.70, 0.30), published, 0.1, 0).verdict());
        assertEquals(GateDecision.Verdict.REJECT,
                gate.decide(true, metrics(2000, 0.80, 0.78, 0.40), published, 0.1, 0).verdict());
    }

    @Test
    void accuracyIsIgnoredWithoutLabelsAndAnEmptyHoldoutDefers() {
        HoldoutMetrics published = metrics(2000, 0.80, Double.NaN, 0.30);
        assertEquals(GateDecision.Verdict.PUBLISH,
                gate.decide(true, metrics(2000, 0.81, Double.NaN, 0.29), published, 0.02, 0).verdict());
        assertEquals(GateDecision.Verdict.DEFER,
                gate.decide(true, metrics(0, Double.NaN, Double.NaN, Double.NaN), published, Double.NaN, 0).verdict());
    }
}
