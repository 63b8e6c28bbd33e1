package io.distill.core.softtarget;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.schema.SoftTarget;
import io.distill.schema.TopK;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Expected values are derived by hand in the comments; distributions are chosen so that the
 * derivations come out in closed form.
 */
class SoftTargetsTest {

    private static final double EPS = 1e-9;
    private static final double EPS_F = 1e-6; // values that went through float32
    private static final double LN2 = Math.log(2);

    private static double[] ln(double... p) {
        double[] out = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = Math.log(p[i]);
        }
        return out;
    }

    private static void assertDist(double[] expectedProbs, double[] logProbs, double eps) {
        assertEquals(expectedProbs.length, logProbs.length);
        for (int i = 0; i < expectedProbs.length; i++) {
            assertEquals(expectedProbs[i], Math.exp(logProbs[i]), eps, "class " + i);
        }
    }

    @Test
    void logSoftmaxIsShiftInvariantAndStable() {
        // logits ln1+5, ln2+5, ln3+5: softmax = (1, 2, 3) / 6
        double[] lp = SoftTargets.logSoftmax(new double[] {5, Math.log(2) + 5, Math.log(3) + 5});
        assertArrayEquals(ln(1 / 6.0, 2 / 6.0, 3 / 6.0), lp, EPS);
        // exp(1000) overflows, but the max-shift gives (1/2, 1/2)
        assertArrayEquals(new double[] {-LN2, -LN2}, SoftTargets.logSoftmax(new float[] {1000f, 1000f}), EPS);
        // -Infinity is probability 0
        assertArrayEquals(new double[] {0, Double.NEGATIVE_INFINITY},
                SoftTargets.logSoftmax(new double[] {3, Double.NEGATIVE_INFINITY}), EPS);
    }

    @Test
    void denseIsFloat32LittleEndianLogProbs() {
        SoftTarget t = SoftTargets.denseFromProbabilities(new double[] {0.5, 0.25, 0.25});
        assertEquals(3, t.getNumClasses());
        assertNull(t.getTopK());
        ByteBuffer b = t.getDense().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(12, b.remaining());
        assertEquals((float) -LN2, b.getFloat(0));
        assertEquals((float) (-2 * LN2), b.getFloat(4));
        assertDist(new double[] {0.5, 0.25, 0.25}, SoftTargets.logProbs(t), EPS_F);
        SoftTargets.validate(t, 3);
        assertEquals(0, SoftTargets.argmax(t));
    }

    @Test
    void topKKeepsTheMostLikelyAndTheTailMass() {
        // p = (0.5, 0.2, 0.2, 0.1), k = 2: classes 0 and 1 (the tie 1/2 goes to the lower id),
        // tail = ln(0.2 + 0.1) = ln 0.3
        SoftTarget t = SoftTargets.topK(ln(0.5, 0.2, 0.2, 0.1), 2);
        TopK top = t.getTopK();
        assertNull(t.getDense());
        assertEquals(List.of(0, 1), top.getClassIds());
        assertEquals(Math.log(0.5), top.getLogProbs().get(0), EPS_F);
        assertEquals(Math.log(0.2), top.getLogProbs().get(1), EPS_F);
        assertEquals(Math.log(0.3), top.getTailLogMass(), EPS_F);
        SoftTargets.validate(t, 4);
        // densified: the 0.3 tail is spread over the m = 2 unlisted classes, 0.15 each
        assertDist(new double[] {0.5, 0.2, 0.15, 0.15}, SoftTargets.logProbs(t), EPS_F);

        // k = C: nothing left, tail = ln 0 = -Infinity
        SoftTarget all = SoftTargets.topK(ln(0.5, 0.5), 2);
        assertEquals(Float.NEGATIVE_INFINITY, all.getTopK().getTailLogMass());
        SoftTargets.validate(all, 2);
    }

    @Test
    void temperingRaisesToOneOverT() {
        // p = (16, 1, 1)/18, T = 4: p^(1/4) ∝ (2, 1, 1) -> (1/2, 1/4, 1/4)
        double[] lp = ln(16 / 18.0, 1 / 18.0, 1 / 18.0);
        assertDist(new double[] {0.5, 0.25, 0.25}, SoftTargets.temper(lp, 4), EPS);
        // T = 1 leaves it unchanged; T = 1/2 squares: (256, 1, 1)/258
        assertDist(new double[] {16 / 18.0, 1 / 18.0, 1 / 18.0}, SoftTargets.temper(lp, 1), EPS);
        assertDist(new double[] {256 / 258.0, 1 / 258.0, 1 / 258.0}, SoftTargets.temper(lp, 0.5), EPS);
        assertThrows(IllegalArgumentException.class, () -> SoftTargets.temper(lp, 0));
    }

    @Test
    void temperingTopKTreatsTheTailAsEqualClasses() {
        // C = 3, top-1 = class 2 with p = 2/3, tail 1/3 = two classes of 1/6.
        // T = 2: sqrt ratios 2/3 : 1/6 : 1/6 -> 2 : 1 : 1 -> (1/2, 1/4, 1/4), so the tempered tail is 1/2.
        TopK top = TopK.newBuilder()
                .setClassIds(List.of(2))
                .setLogProbs(List.of((float) Math.log(2 / 3.0)))
                .setTailLogMass((float) Math.log(1 / 3.0))
                .build();
        TopK tempered = SoftTargets.temper(top, 3, 2);
        assertEquals(List.of(2), tempered.getClassIds());
        assertEquals(-LN2, tempered.getLogProbs().get(0), EPS_F);
        assertEquals(-LN2, tempered.getTailLogMass(), EPS_F);
        // and it agrees with tempering the densified target
        double[] viaDense = SoftTargets.temper(SoftTargets.densify(top, 3), 2);
        assertDist(new double[] {0.25, 0.25, 0.5}, viaDense, EPS_F);
        SoftTarget asRecord = SoftTarget.newBuilder().setNumClasses(3).setTopK(top).build();
        SoftTarget t2 = SoftTargets.temper(asRecord, 2);
        assertDist(new double[] {0.25, 0.25, 0.5}, SoftTargets.logProbs(t2), EPS_F);
        SoftTargets.validate(t2, 3);
    }

    @Test
    void entropyKlAndCrossEntropy() {
        double[] p = ln(0.5, 0.25, 0.25);
        double[] q = ln(0.25, 0.25, 0.5);
        // H(p) = 1/2 ln2 + 2 * 1/4 ln4 = 1.5 ln2
        assertEquals(1.5 * LN2, SoftTargets.entropy(p), EPS);
        assertEquals(Math.log(4), SoftTargets.entropy(ln(0.25, 0.25, 0.25, 0.25)), EPS);
        // KL(p||q) = 1/2 ln(2) + 1/4 ln(1) + 1/4 ln(1/2) = 1/4 ln2
        assertEquals(0.25 * LN2, SoftTargets.klDivergence(p, q), EPS);
        // H(p, q) = H(p) + KL = 1.75 ln2 = -(1/2 ln 1/4 + 1/4 ln 1/4 + 1/4 ln 1/2)
        assertEquals(1.75 * LN2, SoftTargets.crossEntropy(p, q), EPS);
        assertEquals(0, SoftTargets.klDivergence(p, p), EPS);
        // zero-probability classes of p contribute nothing; q = 0 where p > 0 is infinite
        double[] half = {-LN2, -LN2, Double.NEGATIVE_INFINITY};
        assertEquals(LN2, SoftTargets.entropy(half), EPS);
        assertEquals(Double.POSITIVE_INFINITY, SoftTargets.klDivergence(p, half));
        // KL(half || p) = 1/2 ln(0.5/0.5) + 1/2 ln(0.5/0.25) = 1/2 ln2
        assertEquals(0.5 * LN2, SoftTargets.klDivergence(half, p), EPS);
    }

    @Test
    void argmaxAndAgreement() {
        assertEquals(1, SoftTargets.argmax(new double[] {0.1, 0.7, 0.7}));
        assertEquals(2, SoftTargets.argmax(new float[] {-3f, -2f, -1f}));
        assertTrue(SoftTargets.agree(ln(0.6, 0.4), ln(0.9, 0.1)));
        assertFalse(SoftTargets.agree(ln(0.6, 0.4), ln(0.1, 0.9)));
        assertEquals(0.75, SoftTargets.agreement(new int[] {1, 2, 3, 4}, new int[] {1, 2, 3, 0}), EPS);
    }

    @Test
    void ensembleMixesInProbabilitySpaceNotLogitSpace() {
        // A = (1/2, 1/2), B = (1/10, 9/10), equal weights.
        // Mixture: ((0.5 + 0.1)/2, (0.5 + 0.9)/2) = (0.3, 0.7).
        // Logit averaging instead gives the normalised geometric mean:
        // sqrt(0.5*0.1) : sqrt(0.5*0.9) = sqrt(0.05) : sqrt(0.45) = 1 : 3 -> (0.25, 0.75), more confident.
        List<double[]> teachers = List.of(ln(0.5, 0.5), ln(0.1, 0.9));
        EnsembleResult r = SoftTargets.ensemble(teachers, null, EnsembleWeighting.FIXED);
        assertDist(new double[] {0.3, 0.7}, r.logProbs(), EPS);
        assertArrayEquals(new double[] {0.5, 0.5}, r.weights(), EPS);
        assertDist(new double[] {0.25, 0.75}, SoftTargets.logitAverage(teachers, r.weights()), EPS);
        // confidence = 1 - H(0.3, 0.7)/ln2
        double h = -(0.3 * Math.log(0.3) + 0.7 * Math.log(0.7));
        assertEquals(1 - h / LN2, r.confidence(), EPS);

        // fixed weights 3 : 1 -> (0.75, 0.25): (0.75*0.5 + 0.25*0.1, 0.75*0.5 + 0.25*0.9) = (0.4, 0.6)
        EnsembleResult weighted = SoftTargets.ensemble(teachers, new double[] {3, 1}, EnsembleWeighting.FIXED);
        assertArrayEquals(new double[] {0.75, 0.25}, weighted.weights(), EPS);
        assertDist(new double[] {0.4, 0.6}, weighted.logProbs(), EPS);
        SoftTargets.validate(weighted.toSoftTarget(), 2);
    }

    @Test
    void confidenceWeighting() {
        // C = 4. A = one-hot class 0: H = 0, confidence 1.
        // B = (1/2, 1/2, 0, 0): H = ln2, confidence 1 - ln2/ln4 = 1/2.
        double ninf = Double.NEGATIVE_INFINITY;
        List<double[]> teachers = List.of(
                new double[] {0, ninf, ninf, ninf},
                new double[] {-LN2, -LN2, ninf, ninf});
        assertEquals(1, SoftTargets.confidence(teachers.get(0)), EPS);
        assertEquals(0.5, SoftTargets.confidence(teachers.get(1)), EPS);

        // equal priors: weights ∝ (1, 1/2) -> (2/3, 1/3); mixture (2/3 + 1/6, 1/6, 0, 0) = (5/6, 1/6, 0, 0)
        EnsembleResult r = SoftTargets.ensemble(teachers, null, EnsembleWeighting.CONFIDENCE);
        assertArrayEquals(new double[] {2 / 3.0, 1 / 3.0}, r.weights(), EPS);
        assertDist(new double[] {5 / 6.0, 1 / 6.0, 0, 0}, r.logProbs(), EPS);
        double h = -(5 / 6.0 * Math.log(5 / 6.0) + 1 / 6.0 * Math.log(1 / 6.0));
        assertEquals(1 - h / Math.log(4), r.confidence(), EPS);

        // priors (1, 4): raw (1*1, 4*1/2) = (1, 2) -> (1/3, 2/3); mixture (1/3 + 1/3, 1/3, 0, 0)
        EnsembleResult p = SoftTargets.ensemble(teachers, new double[] {1, 4}, EnsembleWeighting.CONFIDENCE);
        assertArrayEquals(new double[] {1 / 3.0, 2 / 3.0}, p.weights(), EPS);
        assertDist(new double[] {2 / 3.0, 1 / 3.0, 0, 0}, p.logProbs(), EPS);

        // every teacher uniform: confidence 0 for all, the priors are used
        List<double[]> uniform = List.of(ln(0.5, 0.5), ln(0.5, 0.5));
        EnsembleResult u = SoftTargets.ensemble(uniform, new double[] {1, 3}, EnsembleWeighting.CONFIDENCE);
        assertArrayEquals(new double[] {0.25, 0.75}, u.weights(), EPS);
        assertEquals(0, u.confidence(), EPS);
    }

    @Test
    void ensembleRefusesMismatchedTeachers() {
        SoftTargetValidationException e = assertThrows(SoftTargetValidationException.class,
                () -> SoftTargets.ensemble(List.of(ln(0.5, 0.5), ln(0.2, 0.3, 0.5)), null, EnsembleWeighting.FIXED));
        assertEquals(SoftTargetValidationException.LABEL_SPACE_MISMATCH, e.reasonCode());
        assertThrows(IllegalArgumentException.class,
                () -> SoftTargets.ensemble(List.of(ln(0.5, 0.5)), new double[] {-1}, EnsembleWeighting.FIXED));
    }

    private static String reason(SoftTarget t, int numClasses) {
        return assertThrows(SoftTargetValidationException.class, () -> SoftTargets.validate(t, numClasses)).reasonCode();
    }

    @Test
    void validation() {
        SoftTarget good = SoftTargets.dense(ln(0.5, 0.5));
        SoftTargets.validate(good, 2);
        // a class of probability 0 is fine
        SoftTargets.validate(SoftTargets.dense(new double[] {0, Double.NEGATIVE_INFINITY}), 2);

        assertEquals(SoftTargetValidationException.LABEL_SPACE_MISMATCH, reason(good, 3));
        assertEquals(SoftTargetValidationException.INVALID_SOFT_TARGET, reason(SoftTargets.dense(ln(0.5, 0.4)), 2));
        assertEquals(SoftTargetValidationException.NON_FINITE_VALUE, reason(SoftTargets.dense(new double[] {0, Double.NaN}), 2));
        assertEquals(SoftTargetValidationException.UNKNOWN_ENCODING,
                reason(SoftTarget.newBuilder().setNumClasses(2).build(), 2));
        SoftTarget both = SoftTarget.newBuilder(good).setTopK(SoftTargets.topK(ln(0.5, 0.5), 1).getTopK()).build();
        assertEquals(SoftTargetValidationException.INVALID_SOFT_TARGET, reason(both, 2));
        SoftTarget shortDense = SoftTarget.newBuilder(good).setNumClasses(3).build();
        assertEquals(SoftTargetValidationException.INVALID_SOFT_TARGET, reason(shortDense, 3));

        TopK dup = TopK.newBuilder().setClassIds(List.of(0, 0)).setLogProbs(List.of(-1f, -1f)).setTailLogMass(-1f).build();
        assertEquals(SoftTargetValidationException.INVALID_SOFT_TARGET,
                reason(SoftTarget.newBuilder().setNumClasses(3).setTopK(dup).build(), 3));
        TopK outOfRange = TopK.newBuilder().setClassIds(List.of(5)).setLogProbs(List.of((float) -LN2))
                .setTailLogMass((float) -LN2).build();
        assertEquals(SoftTargetValidationException.LABEL_OUT_OF_RANGE,
                reason(SoftTarget.newBuilder().setNumClasses(3).setTopK(outOfRange).build(), 3));
        // top-1 of 0.5 plus a tail of 0.25 is only 0.75
        TopK lowMass = TopK.newBuilder().setClassIds(List.of(0)).setLogProbs(List.of((float) -LN2))
                .setTailLogMass((float) (-2 * LN2)).build();
        assertEquals(SoftTargetValidationException.INVALID_SOFT_TARGET,
                reason(SoftTarget.newBuilder().setNumClasses(3).setTopK(lowMass).build(), 3));
    }
}
