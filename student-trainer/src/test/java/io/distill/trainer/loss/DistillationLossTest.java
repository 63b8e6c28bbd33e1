package io.distill.trainer.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two examples, three classes, chosen so that every softmax is a ratio of small integers:
 *
 * <pre>
 * example 1: teacher p1 = (16, 1, 1)/18, student logits z1 = (0, 0, 4 ln2), hard label 0, weight 1
 * example 2: teacher p2 = (1, 1, 1)/3,   student logits z2 = (4 ln2, 0, 0), no label (−1), weight 2
 *
 * T = 4:  p1^(1/4) ∝ (2, 1, 1)  → q1 = (1/2, 1/4, 1/4);  z1/4 = (0, 0, ln2) → s1 = (1/4, 1/4, 1/2)
 *         KL1 = 1/2 ln(2) + 1/4 ln(1) + 1/4 ln(1/2) = 1/4 ln2;           KD1 = T²·KL1 = 4 ln2
 *         q2 = (1/3, 1/3, 1/3);  z2/4 = (ln2, 0, 0) → s2 = (1/2, 1/4, 1/4)
 *         KL2 = 1/3 ln(2/3) + 2/3 ln(4/3) = 1/3 ln(32/27);                KD2 = 16/3 ln(32/27)
 * T = 1:  q1 = p1, s1 = softmax(z1) = (1, 1, 16)/18
 *         KL1 = 16/18 ln16 + 1/18 ln(1/16) = 15/18 ln16 = 10/3 ln2
 *         s2 = (16, 1, 1)/18;  KL2 = 1/3 ln(3/8) + 2/3 ln6 = 1/3 ln(27/2)
 * CE1 (T = 1, label 0) = −ln(1/18) = ln18.
 *
 * Loss = 1/2 · [ 1·(α·KD1 + (1−α)·CE1) + 2·KD2 ]   (example 2 has no label: KD only, coefficient 1)
 *
 * Gradients: d(T²·KL)/dz = T·(s_T − q_T);  dCE/dz = softmax(z) − onehot(y); each times w/B.
 *   T = 4:  T(s1 − q1) = 4·(−1/4, 0, 1/4) = (−1, 0, 1);  softmax(z1) − e0 = (−17/18, 1/18, 16/18)
 *           dL/dz1 = 1/2·[α(−1, 0, 1) + (1−α)(−17/18, 1/18, 16/18)]
 *           dL/dz2 = 1/2·2·4·(1/2 − 1/3, 1/4 − 1/3, 1/4 − 1/3) = (2/3, −1/3, −1/3)
 *   T = 1:  s1 − q1 = (−15/18, 0, 15/18);  s2 − q2 = (10/18, −5/18, −5/18)
 * </pre>
 */
class DistillationLossTest {

    private static final double LN2 = Math.log(2);
    private static final float L4 = (float) (4 * LN2);

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

    private NDList labels(boolean teacherOnFirst) {
        NDArray teacher = manager.create(new float[][] {
            {ln(16 / 18.0), ln(1 / 18.0), ln(1 / 18.0)},
            {ln(1 / 3.0), ln(1 / 3.0), ln(1 / 3.0)}});
        NDArray hard = manager.create(new int[] {0, -1});
        NDArray weight = manager.create(new float[] {1f, 2f});
        NDArray mask = manager.create(new float[] {teacherOnFirst ? 1f : 0f, 1f});
        return DistillationLoss.labels(teacher, hard, weight, mask);
    }

    private NDArray logits() {
        return manager.create(new float[][] {{0, 0, L4}, {L4, 0, 0}});
    }

    /** Loss value and dL/dz through DJL's autograd. */
    private float[][] lossAndGradient(DistillationLoss loss, NDList labels) {
        NDArray z = logits();
        z.setRequiresGradient(true);
        float value;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray l = loss.evaluate(labels, new NDList(z));
            value = l.getFloat();
            gc.backward(l);
        }
        return new float[][] {{value}, z.getGradient().toFloatArray()};
    }

    private static void check(double expectedLoss, double[] expectedGrad, float[][] actual) {
        assertEquals(expectedLoss, actual[0][0], 1e-5 * Math.max(1, Math.abs(expectedLoss)), "loss");
        float[] g = actual[1];
        assertEquals(expectedGrad.length, g.length);
        for (int i = 0; i < g.length; i++) {
            assertEquals(expectedGrad[i], g[i], 2e-6, "gradient " + i);
        }
    }

    private static final double KD1_T4 = 4 * LN2;
    private static final double KD2_T4 = 16.0 / 3 * Math.log(32.0 / 27);
    private static final double CE1 = Math.log(18);
    private static final double[] GRAD2_T4 = {2 / 3.0, -1 / 3.0, -1 / 3.0};

    private static double[] t4Gradient(double alpha) {
        double[] kd = {-1, 0, 1};
        double[] ce = {-17 / 18.0, 1 / 18.0, 16 / 18.0};
        double[] g = new double[6];
        for (int c = 0; c < 3; c++) {
            g[c] = 0.5 * (alpha * kd[c] + (1 - alpha) * ce[c]);
            g[3 + c] = GRAD2_T4[c];
        }
        return g;
    }

    @Test
    void mixedAtTemperature4() {
        DistillationLoss loss = new DistillationLoss(0.5f, 4f);
        check(0.5 * (0.5 * KD1_T4 + 0.5 * CE1 + 2 * KD2_T4), t4Gradient(0.5), lossAndGradient(loss, labels(true)));
    }

    @Test
    void alphaZeroIsCrossEntropyWhereLabelled() {
        // example 1: CE only; example 2 has no label and keeps its KD term
        DistillationLoss loss = new DistillationLoss(0f, 4f);
        check(0.5 * (CE1 + 2 * KD2_T4), t4Gradient(0), lossAndGradient(loss, labels(true)));
    }

    @Test
    void alphaOneIsPureDistillation() {
        DistillationLoss loss = new DistillationLoss(1f, 4f);
        check(0.5 * (KD1_T4 + 2 * KD2_T4), t4Gradient(1), lossAndGradient(loss, labels(true)));
    }

    @Test
    void temperatureOne() {
        // Loss = 1/2·[0.5·(10/3 ln2) + 0.5·ln18 + 2·(1/3) ln(27/2)]
        double expected = 0.5 * (0.5 * (10.0 / 3 * LN2) + 0.5 * CE1 + 2.0 / 3 * Math.log(27.0 / 2));
        // dL/dz1 = 1/2·0.5·[(−15/18, 0, 15/18) + (−17/18, 1/18, 16/18)] = (−8/18, 1/72, 31/72)
        // dL/dz2 = 1/2·2·(10/18, −5/18, −5/18)
        double[] grad = {-8 / 18.0, 1 / 72.0, 31 / 72.0, 10 / 18.0, -5 / 18.0, -5 / 18.0};
        DistillationLoss loss = new DistillationLoss(0.9f, 2f);
        loss.setAlpha(0.5f); // schedules change α and T between batches
        loss.setTemperature(1f);
        check(expected, grad, lossAndGradient(loss, labels(true)));
    }

    @Test
    void perCallAlphaAndTemperature() {
        DistillationLoss loss = new DistillationLoss(0.1f, 1f);
        NDArray z = logits();
        float v = loss.evaluate(labels(true), new NDList(z), 0.5f, 4f).getFloat();
        assertEquals(0.5 * (0.5 * KD1_T4 + 0.5 * CE1 + 2 * KD2_T4), v, 1e-5);
    }

    @Test
    void missingTeacherUsesOnlyTheHardLabel() {
        // example 1 has no teacher: CE1 with coefficient 1, whatever α; example 2 unchanged
        DistillationLoss loss = new DistillationLoss(0.7f, 4f);
        double[] grad = t4Gradient(0); // example 1 gradient = 1/2·(softmax(z1) − e0)
        check(0.5 * (CE1 + 2 * KD2_T4), grad, lossAndGradient(loss, labels(false)));
    }

    @Test
    void unitWeightsAndNoLabelsByDefault() {
        // only teacher log-probs: KD for both, weight 1 → 1/2·(KD1 + KD2) at T = 4
        NDList only = new NDList(labels(true).get(0));
        DistillationLoss loss = new DistillationLoss(0.5f, 4f);
        double[] grad = {-0.5, 0, 0.5, 1 / 3.0, -1 / 6.0, -1 / 6.0};
        check(0.5 * (KD1_T4 + KD2_T4), grad, lossAndGradient(loss, only));
    }

    @Test
    void zeroProbabilityTeacherClassesAreFine() {
        // teacher (1, 0, 0): KL(q||s) = −ln s_0 with s = softmax(z/T); z = 0 → s = 1/3 → T²·ln3
        NDArray teacher = manager.create(new float[][] {{0f, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY}});
        NDArray z = manager.zeros(new ai.djl.ndarray.types.Shape(1, 3));
        DistillationLoss loss = new DistillationLoss(1f, 2f);
        assertEquals(4 * Math.log(3), loss.evaluate(new NDList(teacher), new NDList(z)).getFloat(), 1e-5);
    }

    @Test
    void refusesBadSettings() {
        assertThrows(IllegalArgumentException.class, () -> new DistillationLoss(1.5f, 1f));
        assertThrows(IllegalArgumentException.class, () -> new DistillationLoss(0.5f, 0f));
        DistillationLoss loss = new DistillationLoss(0.5f, 1f);
        NDList wrong = new NDList(manager.zeros(new ai.djl.ndarray.types.Shape(2, 4)));
        assertThrows(IllegalArgumentException.class, () -> loss.evaluate(wrong, new NDList(logits())));
        assertArrayEquals(new float[] {0.5f, 1f}, new float[] {loss.getAlpha(), loss.getTemperature()});
    }
}
