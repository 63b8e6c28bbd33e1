package io.distill.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.training.tracker.Tracker;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adam, and AdamW when weight decay is decoupled, with exportable state (DJL's own Adam keeps its
 * moments private). Per parameter, at update t (from 1), with gradient g, rate lr and decay λ:
 *
 * <pre>
 *   g ← g + λ·w                       (coupled L2 decay, plain Adam only)
 *   m ← β1·m + (1 − β1)·g
 *   v ← β2·v + (1 − β2)·g²
 *   w ← w · (1 − lr·λ)                (decoupled decay, AdamW only)
 *   w ← w − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
 * </pre>
 *
 * which is PyTorch's {@code torch.optim.Adam} / {@code AdamW} (without amsgrad). State: buffers
 * {@code m} and {@code v} and the update count per parameter.
 */
public final class Adam extends StatefulOptimizer {

    private final float beta1;
    private final float beta2;
    private final float epsilon;
    private final boolean decoupled;
    private final Tracker learningRate;

    private Adam(Builder b) {
        super(b, b.learningRate);
        this.beta1 = b.beta1;
        this.beta2 = b.beta2;
        this.epsilon = b.epsilon;
        this.decoupled = b.decoupled;
        this.learningRate = b.learningRate;
    }

    /** @return a builder of plain Adam (coupled weight decay, default 0) */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * @param weightDecay decoupled decay λ
     * @return a builder of AdamW
     */
    public static Builder adamW(float weightDecay) {
        return new Builder().optDecoupledWeightDecay(true).optWeightDecays(weightDecay);
    }

    @Override
    public String type() {
        return decoupled ? "adamw" : "adam";
    }

    @Override
    protected String[] bufferNames() {
        return new String[] {"m", "v"};
    }

    @Override
    protected Map<String, String> attributes() {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("beta1", Float.toString(beta1));
        a.put("beta2", Float.toString(beta2));
        a.put("epsilon", Float.toString(epsilon));
        a.put("weightDecay", Float.toString(getWeightDecay()));
        a.put("decoupledWeightDecay", Boolean.toString(decoupled));
        a.put("learningRate", String.valueOf(learningRate));
        return a;
    }

    @Override
    protected void apply(NDArray weight, NDArray grad, NDArray[] buffers, long t, float lr) {
        float wd = getWeightDecay();
        NDArray g = grad;
        if (wd != 0 && !decoupled) {
            g = g.add(weight.mul(wd));
        }
        NDArray m = buffers[0];
        NDArray v = buffers[1];
        m.muli(beta1).addi(g.mul(1 - beta1));
        v.muli(beta2).addi(g.square().muli(1 - beta2));
        double bc1 = 1 - Math.pow(beta1, t);
        double bc2 = 1 - Math.pow(beta2, t);
        NDArray denom = v.sqrt().divi((float) Math.sqrt(bc2)).addi(epsilon);
        if (decoupled && wd != 0) {
            weight.muli(1 - lr * wd);
        }
        weight.subi(m.div(denom).muli((float) (lr / bc1)));
    }

    /** Builder of {@link Adam}. */
    public static final class Builder extends OptimizerBuilder<Builder> {
        private Tracker learningRate = LearningRateSchedule.constant(1e-3f);
        private float beta1 = 0.9f;
        private float beta2 = 0.999f;
        private float epsilon = 1e-8f;
        private boolean decoupled;

        private Builder() {}

        @Override
        protected Builder self() {
            return this;
        }

        /** @param schedule the learning rate per step @return this */
        public Builder optLearningRate(Tracker schedule) {
            this.learningRate = schedule;
            return this;
        }

        /** @param beta1 first-moment decay @param beta2 second-moment decay @return this */
        public Builder optBetas(float beta1, float beta2) {
            if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) {
                throw new IllegalArgumentException("betas must be in [0, 1)");
            }
            this.beta1 = beta1;
            this.beta2 = beta2;
            return this;
        }

        /** @param epsilon added to the denominator @return this */
        public Builder optEpsilon(float epsilon) {
            this.epsilon = epsilon;
            return this;
        }

        /** @param decoupled true for AdamW's decoupled weight decay @return this */
        public Builder optDecoupledWeightDecay(boolean decoupled) {
            this.decoupled = decoupled;
            return this;
        }

        /** @return the optimizer */
        public Adam build() {
            return new Adam(this);
        }
    }
}
