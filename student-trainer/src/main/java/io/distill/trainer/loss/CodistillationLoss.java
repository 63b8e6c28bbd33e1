package io.distill.trainer.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * The loss of a codistilling step: the site's own distillation loss plus the peers' term,
 *
 * <pre>
 *   L = (1/B) Σ_i ℓ_i  +  β · (1/B) Σ_i m_i · T² · KL(p_i,T ‖ s_i,T)
 * </pre>
 *
 * where {@code ℓ_i} is {@link DistillationLoss}'s per-example term (0 for an example with neither a teacher target
 * nor a hard label), {@code p_i} the peers' mean distribution on the example, re-tempered like a teacher's, and
 * {@code m_i} the peer mask (1 where the peers' term applies). A peer-only example (no teacher, no label, mask 1)
 * therefore learns from the peers' term alone; every example counts in B. The peers' term does not use the
 * examples' weights (they are the teachers' confidence, which says nothing about the peers).
 */
public final class CodistillationLoss {

    private CodistillationLoss() {
    }

    /**
     * @param loss the site's distillation loss
     * @param labels the site's labels, laid out as {@link DistillationLoss} takes them
     * @param predictions {@code [studentLogits (B, C)]}
     * @param peerLogProbs (B, C) the peers' mean natural-log probabilities at temperature 1
     * @param peerMask (B) 1 where the peers' term applies, 0 elsewhere; null = everywhere
     * @param beta weight of the peers' term
     * @return the scalar batch loss
     */
    public static NDArray evaluate(DistillationLoss loss, NDList labels, NDList predictions, float alpha,
                                   float temperature, NDArray peerLogProbs, NDArray peerMask, float beta) {
        NDArray own = loss.evaluate(labels, predictions, alpha, temperature);
        // Teacher-only labels: the KD term alone (coefficient 1, unit weights), for the masked-in examples.
        NDList peerLabels = peerMask == null ? new NDList(peerLogProbs)
                : DistillationLoss.labels(peerLogProbs, null, null, peerMask);
        return own.add(loss.evaluate(peerLabels, predictions, 1f, temperature).mul(beta));
    }
}
