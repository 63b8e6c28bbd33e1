package io.distill.teacher.train;

import ai.djl.training.tracker.Tracker;

/**
 * The learning rate as a function of training progress in [0, 1] rather than of the update count,
 * so that a run bounded by a time budget still ends annealed: the trainer sets {@link
 * #progress(double)} before each step (the larger of the share of planned steps done and the share
 * of the time budget used).
 *
 * <p>Linear warm-up from 0 to the base rate over the first {@code warmupFraction} of progress, then
 * either constant ({@code fixed}) or a half cosine down to 0 at progress 1 ({@code cosine}).
 */
public final class LearningRateSchedule implements Tracker {

    private final float baseRate;
    private final boolean cosine;
    private final double warmupFraction;
    private volatile double progress;

    /**
     * @param baseRate the peak rate
     * @param cosine decay along a half cosine after the warm-up (else constant)
     * @param warmupFraction share of the run spent warming up, in [0, 1)
     */
    public LearningRateSchedule(float baseRate, boolean cosine, double warmupFraction) {
        if (!(warmupFraction >= 0 && warmupFraction < 1)) {
            throw new IllegalArgumentException("warm-up must be a fraction of the run in [0, 1), was " + warmupFraction);
        }
        this.baseRate = baseRate;
        this.cosine = cosine;
        this.warmupFraction = warmupFraction;
    }

    /** @param progress share of the run done, clamped to [0, 1] */
    public void progress(double progress) {
        this.progress = Math.max(0, Math.min(1, progress));
    }

    /** @return the rate at the current progress */
    public float rate() {
        double p = progress;
        if (p < warmupFraction) {
            return (float) (baseRate * p / warmupFraction);
        }
        if (!cosine) {
            return baseRate;
        }
        double t = (p - warmupFraction) / (1 - warmupFraction);
        return (float) (baseRate * 0.5 * (1 + Math.cos(Math.PI * t)));
    }

    @Override
    public float getNewValue(int numUpdate) {
        return rate();
    }
}
