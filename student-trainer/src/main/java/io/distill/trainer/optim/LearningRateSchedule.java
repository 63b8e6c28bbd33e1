package io.distill.trainer.optim;

import ai.djl.training.tracker.Tracker;

/**
 * Learning-rate schedules as DJL {@link Tracker}s.
 *
 * <p>The argument of {@link #getNewValue(int)} is the number of updates already applied (0 for
 * the first update); {@link StatefulOptimizer}s call it that way. Schedules:
 *
 * <ul>
 *   <li>{@link #constant}: {@code lr}.
 *   <li>{@link #warmupCosine}: linear warm-up {@code peak · (s+1)/W} for {@code s < W}, then a
 *       half cosine from {@code peak} down to {@code floor} over the remaining {@code total − W}
 *       steps, {@code floor + (peak − floor) · (1 + cos(π · (s − W)/(total − W)))/2}, and {@code
 *       floor} afterwards.
 *   <li>{@link #step}: {@code base · gamma^⌊s / every⌋}, optionally after a linear warm-up.
 * </ul>
 */
public abstract class LearningRateSchedule implements Tracker {

    /**
     * @param step updates already applied
     * @return the learning rate of the next update
     */
    public abstract float valueAt(long step);

    @Override
    public float getNewValue(int numUpdate) {
        return valueAt(Math.max(0, numUpdate));
    }

    /**
     * @param lr the rate
     * @return a constant schedule
     */
    public static LearningRateSchedule constant(float lr) {
        checkRate(lr);
        return new LearningRateSchedule() {
            @Override
            public float valueAt(long step) {
                return lr;
            }

            @Override
            public String toString() {
                return "constant(" + lr + ")";
            }
        };
    }

    /**
     * @param peak rate at the end of the warm-up
     * @param warmupSteps W ≥ 0
     * @param totalSteps total length, greater than W
     * @param floor rate at and after totalSteps
     * @return the schedule
     */
    public static LearningRateSchedule warmupCosine(float peak, long warmupSteps, long totalSteps, float floor) {
        checkRate(peak);
        checkRate(floor);
        if (warmupSteps < 0 || totalSteps <= warmupSteps) {
            throw new IllegalArgumentException("need 0 <= warmupSteps < totalSteps, got " + warmupSteps + ", " + totalSteps);
        }
        return new LearningRateSchedule() {
            @Override
            public float valueAt(long s) {
                if (s < warmupSteps) {
                    return (float) ((double) peak * (s + 1) / warmupSteps);
                }
                double progress = Math.min(1.0, (double) (s - warmupSteps) / (totalSteps - warmupSteps));
                return (float) (floor + (peak - floor) * 0.5 * (1 + Math.cos(Math.PI * progress)));
            }

            @Override
            public String toString() {
                return "warmupCosine(" + peak + ", " + warmupSteps + ", " + totalSteps + ", " + floor + ")";
            }
        };
    }

    /**
     * @param base initial rate
     * @param every steps between decays, at least 1
     * @param gamma decay factor, in (0, 1]
     * @return the schedule, without warm-up
     */
    public static LearningRateSchedule step(float base, long every, float gamma) {
        return step(base, every, gamma, 0);
    }

    /**
     * @param base rate after the warm-up
     * @param every steps between decays, at least 1, counted after the warm-up
     * @param gamma decay factor, in (0, 1]
     * @param warmupSteps linear warm-up length, 0 for none
     * @return the schedule
     */
    public static LearningRateSchedule step(float base, long every, float gamma, long warmupSteps) {
        checkRate(base);
        if (every < 1 || !(gamma > 0 && gamma <= 1) || warmupSteps < 0) {
            throw new IllegalArgumentException("need every >= 1, 0 < gamma <= 1 and warmupSteps >= 0");
        }
        return new LearningRateSchedule() {
            @Override
            public float valueAt(long s) {
                if (s < warmupSteps) {
                    return (float) ((double) base * (s + 1) / warmupSteps);
                }
                return (float) (base * Math.pow(gamma, (s - warmupSteps) / every));
            }

            @Override
            public String toString() {
                return "step(" + base + ", " + every + ", " + gamma + ", " + warmupSteps + ")";
            }
        };
    }

    private static void checkRate(float lr) {
        if (!(lr >= 0) || !Float.isFinite(lr)) {
            throw new IllegalArgumentException("learning rate must be finite and non-negative, was " + lr);
        }
    }
}
