package io.distill.trainer.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two examples, three classes, T = 4, the student logits of {@link DistillationLossTest}:
 *
 * <pre>
 * example 1 (supervised): teacher p1 = (16, 1, 1)/18, hard label 0; student z1 = (0, 0, 4 ln2) → s1,T = (1/4, 1/4, 1/2)
 *           peers (1, 1, 1)/3 → r1 = (1/3, 1/3, 1/3)
 *           own term:  α·4 ln2 + (1−α)·ln18;  peer term: T²·KL(r1 ‖ s1) = 16·1/3·ln(32/27)
 * example 2 (peer-only: no teacher, no label, weight 1): student z2 = (4 ln2, 0, 0) → s2,T = (1/2, 1/4, 1/4)
 *           peers (1, 1, 16)/18 → re-tempered (1, 1, 2)/4 = r2
 *           own term: 0;  peer term: 16·KL(r2 ‖ s2) = 16·(1/4 ln(1/2) + 1/2 ln2) = 4 ln2
 *
 * L = 1/2·[own1 + 0] + β·1/2·[m1·16/3 ln(32/27) + m2·4 ln2]
 * dL/dz1 = 1/2·[α(−1, 0, 1) + (1−α)(−17/18, 1/18, 16/18)] + β·1/2·m1·T(s1 − r1) = … + β·1/2·m1·(−1/3, −1/3, 2/3)
 * dL/dz2 = β·1/2·m2·T(s2 − r2) = β·1/2·m2·(1, 0, −1)      (nothing from the own term)
 * </pre>
 */
class CodistillationLossTest {

    private static final double LN2 = Math.log(2);
    private static final float L4 = (float) (4 * LN2);
    private static final double OWN1_KD = 4 * LN2;
    private static final double OWN1_CE = Math.log(18);
    private static final double PEER1 = 16.0 / 3 * Math.log(32.0 / 27);
    private static final double PEER2 = 4 * LN2;

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private static float ln(double x) {
        return (float) Math.log(x);
    }

    private NDList ownLabels() {
        // the peer-only example's teacher row is zeros with mask 0, as StudentNetwork fills it
        NDArray teacher = manager.create(new float[][] {
            {ln(16 / 18.0), ln(1 / 18.0), ln(1 / 18.0)},
            {0f, 0f, 0f}});
        return DistillationLoss.labels(teacher, manager.create(new float[] {0f, -1f}),
                manager.create(new float[] {1f, 1f}), manager.create(new float[] {1f, 0f}));
    }

    private NDArray peers() {
        return manager.create(new float[][] {
            {ln(1 / 3.0), ln(1 / 3.0), ln(1 / 3.0)},
            {ln(1 / 18.0), ln(1 / 18.0), ln(16 / 18.0)}});
    }

    /** Loss value and dL/dz through DJL's autograd. */
    private float[][] lossAndGradient(float alpha, float beta, float[] peerMask) {
        NDArray z = manager.create(new float[][] {{0, 0, L4}, {L4, 0, 0}});
        z.setRequiresGradient(true);
        float value;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray l = CodistillationLoss.evaluate(new DistillationLoss(0.9f, 1f), ownLabels(), new NDList(z),
                    alpha, 4f, peers(), peerMask == null ? null : manager.create(peerMask), beta);
            value = l.getFloat();
            gc.backward(l);
        }
        return new float[][] {{value}, z.getGradient().toFloatArray()};
    }

    private static void check(double alpha, double beta, double m1, double m2, float[][] actual) {
        double expected = 0.5 * (alpha * OWN1_KD + (1 - alpha) * OWN1_CE) + beta * 0.5 * (m1 * PEER1 + m2 * PEER2);
        assertEquals(expected, actual[0][0], 1e-5 * Math.max(1, Math.abs(expected)), "loss");
        double[] kd = {-1, 0, 1};
        double[] ce = {-17 / 18.0, 1 / 18.0, 16 / 18.0};
        double[] peer1 = {-1 / 3.0, -1 / 3.0, 2 / 3.0};
        double[] peer2 = {1, 0, -1};
        for (int c = 0; c < 3; c++) {
            double g1 = 0.5 * (alpha * kd[c] + (1 - alpha) * ce[c]) + beta * 0.5 * m1 * peer1[c];
            double g2 = beta * 0.5 * m2 * peer2[c];
            assertEquals(g1, actual[1][c], 2e-6, "gradient of example 1, class " + c);
            assertEquals(g2, actual[1][3 + c], 2e-6, "gradient of example 2, class " + c);
        }
    }

    @Test
    void aPeerOnlyExampleLearnsFromThePeerTermAlone() {
        check(0.5, 1, 1, 1, lossAndGradient(0.5f, 1f, null));
    }

    @Test
    void betaScalesOnlyThePeerTerm() {
        check(0.7, 0.25, 1, 1, lossAndGradient(0.7f, 0.25f, null));
    }

    @Test
    void theMaskRemovesThePeerTermPerExample() {
        // the supervised example masked out (peers disagree with it): the peer-only example keeps its term
        check(0.5, 1, 0, 1, lossAndGradient(0.5f, 1f, new float[] {0f, 1f}));
        // the peer-only example masked out (peers not confident enough): it contributes nothing at all
        check(0.5, 1, 1, 0, lossAndGradient(0.5f, 1f, new float[] {1f, 0f}));
    }
}
