package io.distill.teacher.train;

import java.util.Locale;

/**
 * How a teacher is trained beyond its network and epochs: the learning-rate schedule and the
 * label-preserving augmentation of the training images.
 *
 * <p>{@code cosine} warms the learning rate up linearly from 0 over {@code warmupEpochs}, then
 * decays it along a half cosine to 0 at the last step; {@code fixed} keeps it constant (after the
 * optional warm-up). Augmentation shifts each training image by a random whole number of pixels in
 * [-shift, shift] on both axes (zero fill) and, with {@code horizontalFlip}, mirrors it with
 * probability 1/2 — both keep Fashion-MNIST's labels. A time budget ends the run early when the
 * planned epochs would overrun it; the schedule then follows the budget, so the rate still reaches
 * 0 at the end (see {@link LearningRateSchedule}).
 *
 * @param schedule {@code fixed} or {@code cosine}
 * @param warmupEpochs epochs of linear warm-up (may be fractional; 0 = none)
 * @param shiftPixels largest random shift in pixels (0 = none)
 * @param horizontalFlip mirror half of the training images
 * @param timeBudgetSeconds stop training after this many seconds (0 = run every planned epoch)
 */
public record TrainingRecipe(String schedule, double warmupEpochs, int shiftPixels, boolean horizontalFlip,
        long timeBudgetSeconds) {

    /** Constant learning rate, no augmentation, no time budget: the original recipe. */
    public static final TrainingRecipe PLAIN = new TrainingRecipe("fixed", 0, 0, false, 0);

    public TrainingRecipe {
        schedule = schedule == null ? "fixed" : schedule.toLowerCase(Locale.ROOT);
        if (!schedule.equals("fixed") && !schedule.equals("cosine")) {
            throw new IllegalArgumentException("learning-rate schedule must be fixed or cosine, was " + schedule);
        }
        if (!(warmupEpochs >= 0) || shiftPixels < 0 || timeBudgetSeconds < 0) {
            throw new IllegalArgumentException("warm-up epochs, shift pixels and time budget must not be negative");
        }
    }

    /** @return whether training images are transformed at all */
    public boolean augments() {
        return shiftPixels > 0 || horizontalFlip;
    }

    /**
     * @param baseRate the peak learning rate
     * @param epochs planned epochs
     * @return the schedule; the trainer drives its progress
     */
    public LearningRateSchedule learningRate(float baseRate, int epochs) {
        return new LearningRateSchedule(baseRate, schedule.equals("cosine"), Math.min(warmupEpochs / epochs, 0.5));
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s lr%s, shift ±%d px%s", schedule,
                warmupEpochs > 0 ? String.format(Locale.ROOT, " after %.1f warm-up epochs", warmupEpochs) : "",
                shiftPixels, horizontalFlip ? ", horizontal flip" : "")
                + (timeBudgetSeconds > 0 ? ", time budget " + timeBudgetSeconds + " s" : "");
    }
}
