package io.distill.core.softtarget;

/** How {@link SoftTargets#ensemble} weighs the teachers of one example. */
public enum EnsembleWeighting {
    /** Each teacher's weight is its fixed prior weight, normalised to sum 1. */
    FIXED,
    /**
     * Each teacher's weight is proportional to its prior weight times its confidence on this
     * example, {@code c = 1 - H(p) / ln(C)} (1 for a one-hot distribution, 0 for the uniform one).
     * When every teacher has confidence 0, the prior weights are used.
     */
    CONFIDENCE
}
