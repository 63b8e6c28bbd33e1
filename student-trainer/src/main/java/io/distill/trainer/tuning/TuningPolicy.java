package io.distill.trainer.tuning;

/**
 * Chooses the candidate for the next evaluation window from the outcome of the last one. Candidates are indices into
 * the tuner's grid; the objective's gain is how much the hold-out score rose (negative: fell) over the window.
 */
public interface TuningPolicy {

    /** The candidate of the first window. */
    int first();

    /** The candidate of the next window after {@code played} gained {@code gain}, with the reason for the choice. */
    Choice next(int played, double gain);

    /** Continue with {@code arm} (e.g. after a restart) as if it had been chosen. */
    void resumeWith(int arm);

    record Choice(int arm, String reason) {
    }
}
