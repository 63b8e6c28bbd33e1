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

    @Test
    void anAccuracyDropWithinTheNoiseOfAFewLabelsDoesNotRejectButTheSameDropOnManyLabelsDoes() {
        // 39 labelled hold-out examples, predictions differ on 15 %: the standard error of a paired difference is
        // sqrt(0.15 / 39) = 0.062, so a 6-point drop is within two standard errors (0.124) and is noise.
        HoldoutMetrics published = new HoldoutMetrics(777, 0.82, 0.82, 39, 0.30, 0.05);
        HoldoutMetrics fewLabels = new HoldoutMetrics(777, 0.83, 0.76, 39, 0.29, 0.05);
        assertEquals(GateDecision.Verdict.PUBLISH, gate.decide(true, fewLabels, published, 0.15, 0).verdict());
        // The same drop on 2,000 labelled examples: two standard errors are 2 * sqrt(0.15 / 2000) = 0.017.
        HoldoutMetrics manyPublished = new HoldoutMetrics(2000, 0.82, 0.82, 2000, 0.30, 0.05);
        HoldoutMetrics manyLabels = new HoldoutMetrics(2000, 0.83, 0.76, 2000, 0.29, 0.05);
        assertEquals(GateDecision.Verdict.REJECT, gate.decide(true, manyLabels, manyPublished, 0.15, 0).verdict());
    }

    @Test
    void noiseMarginFollowsThePairedStandardError() {
        assertEquals(2 * Math.sqrt(0.1 / 2000), QualityGate.noiseMargin(0.8, 2000, 0.1, 0.02), 1e-12);
        // without a churn figure the unpaired bound 2p(1-p) stands in
        assertEquals(2 * Math.sqrt(0.32 / 100), QualityGate.noiseMargin(0.8, 100, Double.NaN, 0.02), 1e-12);
        // the predictions differ on at least the drop
        assertEquals(2 * Math.sqrt(0.3 / 100), QualityGate.noiseMargin(0.8, 100, 0.1, 0.3), 1e-12);
    }
}
