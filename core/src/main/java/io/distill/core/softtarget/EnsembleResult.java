package io.distill.core.softtarget;

import io.distill.schema.SoftTarget;

/**
 * The combined distribution of several teachers.
 *
 * @param logProbs natural-log probabilities of the mixture, one per class
 * @param weights the normalised weight of each teacher, in input order, summing to 1
 * @param confidence {@code 1 - H(mixture) / ln(C)}, in [0, 1]; 1 for a one-hot mixture, 0 for
 *     the uniform distribution (and 1 when there is a single class)
 */
public record EnsembleResult(double[] logProbs, double[] weights, double confidence) {

    /** @return the mixture as a dense soft target */
    public SoftTarget toSoftTarget() {
        return SoftTargets.dense(logProbs);
    }
}
