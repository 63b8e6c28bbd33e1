package io.distill.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.training.tracker.Tracker;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Stochastic gradient descent with (optionally Nesterov) momentum and exportable state. Per
 * parameter, with gradient g, rate lr, momentum μ and L2 decay λ:
 *
 * <pre>
 *   g ← g + λ·w
 *   b ← μ·b + g                 (b starts at 0, so b = g after the first update)
 *   d ← g + μ·b   (Nesterov)   or   d ← b
 *   w ← w − lr·d
 * </pre>
 *
 * which is PyTorch's {@code torch.optim.SGD} with dampening 0. State: buffer {@code momentum} and
 * the update count per parameter.
 */
public final class SgdMomentum extends StatefulOptimizer {

    private final float momentum;
    private final boolean nesterov;
    private final Tracker learningRate;

    private SgdMomentum(Builder b) {
        super(b, b.learningRate);
        this.momentum = b.momentum;
        this.nesterov = b.nesterov;
        this.learningRate = b.learningRate;
    }

    /** @return a builder */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String type() {
        return "sgd-momentum";
    }

    @Override
    protected String[] bufferNames() {
        return new String[] {"momentum"};
    }

    @Override
    protected Map<String, String> attributes() {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("momentum", Float.toString(momentum));
        a.put("nesterov", Boolean.toString(nesterov));
        a.put("weightDecay", Float.toString(getWeightDecay()));
        a.put("learningRate", String.valueOf(learningRate));
        return a;
    }

    @Override
    protected void apply(NDArray weight, NDArray grad, NDArray[] buffers, long t, float lr) {
        float wd = getWeightDecay();
        NDArray g = wd != 0 ? grad.add(weight.mul(wd)) : grad;
        NDArray b = buffers[0];
        b.muli(momentum).addi(g);
        NDArray d = nesterov ? g.add(b.mul(momentum)) : b;
        weight.subi(d.mul(lr));
    }

    /** Builder of {@link SgdMomentum}. */
    public static final class Builder extends OptimizerBuilder<Builder> {
        private Tracker learningRate = LearningRateSchedule.constant(0.01f);
        private float momentum = 0.9f;
        private boolean nesterov;

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

        /** @param momentum μ in [0, 1) @return this */
        public Builder optMomentum(float momentum) {
            if (!(momentum >= 0 && momentum < 1)) {
                throw new IllegalArgumentException("momentum must be in [0, 1)");
            }
            this.momentum = momentum;
            return this;
        }

        /** @param nesterov whether to use Nesterov momentum @return this */
        public Builder optNesterov(boolean nesterov) {
            this.nesterov = nesterov;
            return this;
        }

        /** @return the optimizer */
        public SgdMomentum build() {
            return new SgdMomentum(this);
        }
    }
}
