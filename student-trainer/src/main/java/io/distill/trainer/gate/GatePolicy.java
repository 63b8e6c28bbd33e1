package io.distill.trainer.gate;

/**
 * The quality gate's settings.
 *
 * @param minHoldout              hold-out examples needed to compare a candidate with the last published version
 *                                (both are scored on the same snapshot)
 * @param tolerance               how much agreement and accuracy may drop (absolute) before a candidate is rejected
 * @param klTolerance             how much the hold-out KL may grow, relative to the published version's KL
 * @param firstVersionAfterSamples samples after which a first version is published even when the hold-out has fewer
 *                                than {@code minHoldout} examples (0: never without a full hold-out)
 */
public record GatePolicy(int minHoldout, double tolerance, double klTolerance, long firstVersionAfterSamples) {

    public static GatePolicy defaults() {
        return new GatePolicy(2000, 0.01, 0.05, 20_000);
    }
}
