package io.distill.trainer.schedule;

/** From {@code startSamples} samples seen on, distil at this temperature with this weight of the soft-target term. */
public record DistillationStage(long startSamples, double temperature, double alpha) {

    public DistillationStage {
        if (startSamples < 0) {
            throw new IllegalArgumentException("stage start must not be negative: " + startSamples);
        }
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be positive and finite: " + temperature);
        }
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha must be in [0, 1]: " + alpha);
        }
    }
}
