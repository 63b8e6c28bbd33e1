package io.distill.trainer.eval;

import io.distill.trainer.data.Sample;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HoldoutScorerTest {

    private static float[] logf(double... p) {
        float[] l = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            l[i] = (float) Math.log(p[i]);
        }
        return l;
    }

    private static double[] logd(double... p) {
        double[] l = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            l[i] = Math.log(p[i]);
        }
        return l;
    }

    @Test
    void handComputedAgreementAccuracyKlAndEce() {
        List<Sample> samples = List.of(
                new Sample("a", new float[0], logf(0.8, 0.2), 0, 1),
                new Sample("b", new float[0], logf(0.3, 0.7), 0, 1),
                new Sample("c", new float[0], logf(0.5, 0.5), Sample.NO_LABEL, 1));
        double[][] student = {logd(0.6, 0.4), logd(0.25, 0.75), logd(0.9, 0.1)};
        HoldoutMetrics m = HoldoutScorer.score(samples, student);
        assertEquals(3, m.examples());
        // a agrees (0,0), b agrees (1,1), c: teacher argmax 0 (tie -> first), student 0
        assertEquals(1.0, m.agreement(), 1e-12);
        // labelled a (pred 0, label 0) and b (pred 1, label 0)
        assertEquals(2, m.labelled());
        assertEquals(0.5, m.accuracy(), 1e-12);
        double klA = 0.8 * Math.log(0.8 / 0.6) + 0.2 * Math.log(0.2 / 0.4);
        double klB = 0.3 * Math.log(0.3 / 0.25) + 0.7 * Math.log(0.7 / 0.75);
        double klC = 0.5 * Math.log(0.5 / 0.9) + 0.5 * Math.log(0.5 / 0.1);
        assertEquals((klA + klB + klC) / 3, m.kl(), 1e-6);
        // ECE: a conf 0.6 bin 6 hit; b conf 0.75 bin 7 miss (label 0); c conf 0.9 bin 9 hit vs teacher class 0
        double ece = (1.0 / 3) * Math.abs(1 - 0.6) + (1.0 / 3) * Math.abs(0 - 0.75) + (1.0 / 3) * Math.abs(1 - 0.9);
        assertEquals(ece, m.ece(), 1e-6);
        assertTrue(m.asMap().containsKey("accuracy"));
    }

    @Test
    void accuracyIsNaNWithoutLabelsAndChurnCountsChangedPredictions() {
        List<Sample> samples = List.of(new Sample("a", new float[0], logf(0.8, 0.2), Sample.NO_LABEL, 1));
        HoldoutMetrics m = HoldoutScorer.score(samples, new double[][]{logd(0.1, 0.9)});
        assertTrue(Double.isNaN(m.accuracy()));
        assertEquals(0.0, m.agreement());
        double[][] x = {logd(0.6, 0.4), logd(0.6, 0.4), logd(0.4, 0.6), logd(0.4, 0.6)};
        double[][] y = {logd(0.6, 0.4), logd(0.4, 0.6), logd(0.4, 0.6), logd(0.6, 0.4)};
        assertEquals(0.5, HoldoutScorer.churn(x, y), 1e-12);
    }
}
