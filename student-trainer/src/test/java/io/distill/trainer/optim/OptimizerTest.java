package io.distill.trainer.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.distill.core.checkpoint.OptimizerState;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Optimizer updates against hand-computed values. A two-element parameter w = (1, −2) receives
 * the gradients (0.5, 0) and then (−1, 0); the second element's gradient is 0 so it only moves by
 * weight decay.
 */
class OptimizerTest {

    private static final float[] G1 = {0.5f, 0f};
    private static final float[] G2 = {-1f, 0f};

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private float[][] run(StatefulOptimizer opt, float[]... grads) {
        NDArray w = manager.create(new float[] {1f, -2f});
        float[][] after = new float[grads.length][];
        for (int i = 0; i < grads.length; i++) {
            try (NDArray g = manager.create(grads[i])) {
                opt.update("w", w, g);
            }
            after[i] = w.toFloatArray();
        }
        return after;
    }

    private static void near(double expected, float actual) {
        assertEquals(expected, actual, 1e-6);
    }

    @Test
    void adamMatchesHandComputedSteps() {
        // lr 0.1, β1 0.9, β2 0.999, ε 1e-8.
        // t=1: m = 0.1·0.5 = 0.05, v = 0.001·0.25 = 0.00025; m̂ = 0.05/0.1 = 0.5, √v̂ = √(0.00025/0.001) = 0.5
        //      w = 1 − 0.1·0.5/0.5 = 0.9 (the first Adam step is lr·sign(g))
        // t=2: m = 0.9·0.05 − 0.1 = −0.055, v = 0.999·0.00025 + 0.001·1 = 0.00124975
        //      w = 0.9 − (0.1/(1 − 0.81)) · (−0.055) / √(0.00124975/(1 − 0.998001)) = 0.9 + 0.0366104 = 0.9366104
        Adam adam = Adam.builder().optLearningRate(LearningRateSchedule.constant(0.1f)).build();
        float[][] w = run(adam, G1, G2);
        near(0.9, w[0][0]);
        near(-2, w[0][1]);
        double step2 = (0.1 / 0.19) * 0.055 / Math.sqrt(0.00124975 / 0.001999);
        near(0.9 + step2, w[1][0]);
        near(-2, w[1][1]);
        assertEquals(2, adam.stepCount());
    }

    @Test
    void adamWDecaysDecoupled() {
        // λ = 0.1: w ← w·(1 − 0.1·0.1) before the Adam step, which is unchanged by λ.
        // t=1: (1·0.99 − 0.1, −2·0.99) = (0.89, −1.98);  t=2: (0.89·0.99 + 0.0366104, −1.98·0.99)
        Adam adamW = Adam.adamW(0.1f).optLearningRate(LearningRateSchedule.constant(0.1f)).build();
        assertEquals("adamw", adamW.type());
        float[][] w = run(adamW, G1, G2);
        near(0.89, w[0][0]);
        near(-1.98, w[0][1]);
        double step2 = (0.1 / 0.19) * 0.055 / Math.sqrt(0.00124975 / 0.001999);
        near(0.89 * 0.99 + step2, w[1][0]);
        near(-1.98 * 0.99, w[1][1]);
    }

    @Test
    void adamCoupledDecayChangesTheGradient() {
        // λ = 0.1 added to the gradient: g = (0.5 + 0.1, 0 − 0.2) = (0.6, −0.2); first step lr·sign(g)
        Adam adam = Adam.builder().optLearningRate(LearningRateSchedule.constant(0.1f)).optWeightDecays(0.1f).build();
        assertEquals("adam", adam.type());
        float[][] w = run(adam, G1);
        near(0.9, w[0][0]);
        near(-1.9, w[0][1]);
    }

    @Test
    void sgdMomentumMatchesHandComputedSteps() {
        // lr 0.1, μ 0.9: b = 0.5 → w = 1 − 0.05 = 0.95; b = 0.45 − 1 = −0.55 → w = 0.95 + 0.055 = 1.005
        SgdMomentum sgd = SgdMomentum.builder().optLearningRate(LearningRateSchedule.constant(0.1f)).optMomentum(0.9f).build();
        float[][] w = run(sgd, G1, G2);
        near(0.95, w[0][0]);
        near(1.005, w[1][0]);
        near(-2, w[1][1]);

        // Nesterov: d = g + μ·b. t=1: d = 0.5 + 0.45 = 0.95 → 0.905; t=2: b = −0.55, d = −1 − 0.495 → 1.0545
        SgdMomentum nag = SgdMomentum.builder().optLearningRate(LearningRateSchedule.constant(0.1f)).optNesterov(true).build();
        w = run(nag, G1, G2);
        near(0.905, w[0][0]);
        near(1.0545, w[1][0]);

        // L2 decay 0.1: g = (0.6, −0.2) → w = (1 − 0.06, −2 + 0.02)
        SgdMomentum decayed = SgdMomentum.builder().optLearningRate(LearningRateSchedule.constant(0.1f))
                .optWeightDecays(0.1f).build();
        w = run(decayed, G1);
        near(0.94, w[0][0]);
        near(-1.98, w[0][1]);
    }

    @Test
    void theScheduleSetsEachStepsRate() {
        // μ = 0, gradient 1 each step; warm-up over 4 steps gives rates 0.25, 0.5, 0.75, 1
        SgdMomentum sgd = SgdMomentum.builder().optMomentum(0f)
                .optLearningRate(LearningRateSchedule.warmupCosine(1f, 4, 12, 0f)).build();
        NDArray w = manager.create(new float[] {0f});
        for (int i = 0; i < 4; i++) {
            try (NDArray g = manager.create(new float[] {1f})) {
                sgd.update("w", w, g);
            }
        }
        near(-2.5, w.toFloatArray()[0]);
    }

    @Test
    void clearsTheGradientAfterTheUpdate() {
        // The engine accumulates gradients across backward passes; like DJL's built-in optimizers,
        // ours zero a parameter's gradient once it is applied.
        NDArray w = manager.create(new float[] {1f, -2f});
        w.setRequiresGradient(true);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.backward(w.mul(manager.create(new float[] {0.5f, 0f})).sum());
        }
        assertArrayEquals(new float[] {0.5f, 0f}, w.getGradient().toFloatArray());
        Adam adam = Adam.builder().optLearningRate(LearningRateSchedule.constant(0.1f)).build();
        try (NDArray g = w.getGradient().duplicate()) {
            adam.update("w", w, g);
        }
        near(0.9, w.toFloatArray()[0]);
        assertArrayEquals(new float[] {0f, 0f}, w.getGradient().toFloatArray());
    }

    @Test
    void schedules() {
        LearningRateSchedule c = LearningRateSchedule.warmupCosine(1f, 4, 12, 0.1f);
        near(0.25, c.valueAt(0));
        near(1.0, c.valueAt(3));
        near(1.0, c.valueAt(4)); // cosine starts at the peak
        near(0.1 + 0.9 * 0.5, c.valueAt(8)); // half way: cos(π/2) = 0
        near(0.1, c.valueAt(12));
        near(0.1, c.valueAt(1000));
        near(0.25, c.getNewValue(0));

        LearningRateSchedule s = LearningRateSchedule.step(1f, 3, 0.5f);
        near(1, s.valueAt(2));
        near(0.5, s.valueAt(3));
        near(0.25, s.valueAt(6));
        LearningRateSchedule sw = LearningRateSchedule.step(1f, 3, 0.5f, 2);
        near(0.5, sw.valueAt(0));
        near(1, sw.valueAt(1));
        near(1, sw.valueAt(4));
        near(0.5, sw.valueAt(5));
        near(0.3, LearningRateSchedule.constant(0.3f).valueAt(77));
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.warmupCosine(1f, 5, 5, 0f));
    }

    @Test
    void exportImportContinuesExactly() {
        // uninterrupted: 3 updates; interrupted: 2 updates, export, fresh optimizer, import, 1 update
        float[] g3 = {0.25f, -0.75f};
        Adam a = Adam.adamW(0.01f).optLearningRate(LearningRateSchedule.warmupCosine(0.1f, 2, 10, 0f)).build();
        float[][] straight = run(a, G1, G2, g3);

        Adam first = Adam.adamW(0.01f).optLearningRate(LearningRateSchedule.warmupCosine(0.1f, 2, 10, 0f)).build();
        NDArray w = manager.create(new float[] {1f, -2f});
        for (float[] g : new float[][] {G1, G2}) {
            try (NDArray ga = manager.create(g)) {
                first.update("id-1", w, ga);
            }
        }
        OptimizerState state = first.exportState(Map.of("id-1", "layer_weight"));
        assertEquals("adamw", state.type());
        assertEquals(2, state.step());
        assertEquals(Map.of("layer_weight/step", 2L), state.counters());
        assertEquals(2, state.tensors().size());
        near(-0.055, state.tensors().get("layer_weight/m").data()[0]);

        Adam second = Adam.adamW(0.01f).optLearningRate(LearningRateSchedule.warmupCosine(0.1f, 2, 10, 0f)).build();
        second.importState(state, Map.of("id-2", "layer_weight"), Map.of("layer_weight", new int[] {2}));
        assertEquals(state.tensors(), second.exportState(Map.of("id-2", "layer_weight")).tensors());
        try (NDArray ga = manager.create(g3)) {
            second.update("id-2", w, ga);
        }
        assertArrayEquals(straight[2], w.toFloatArray()); // bit-identical

        assertThrows(IllegalArgumentException.class, () -> SgdMomentum.builder().build()
                .importState(state, Map.of("id-3", "layer_weight"), Map.of()));
        assertThrows(IllegalArgumentException.class, () -> Adam.adamW(0.01f).build()
                .importState(state, Map.of("id-3", "other"), Map.of()));
        assertThrows(IllegalArgumentException.class, () -> Adam.adamW(0.01f).build()
                .importState(state, Map.of("id-3", "layer_weight"), Map.of("layer_weight", new int[] {3})));
    }
}
