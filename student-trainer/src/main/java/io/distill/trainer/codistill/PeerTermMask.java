package io.distill.trainer.codistill;

import io.distill.trainer.config.Federation;
import io.distill.trainer.data.Sample;

import java.util.List;

/**
 * Which samples of a batch the peers' codistillation term applies to.
 *
 * <ul>
 *   <li>A sample with an answer of its own (teacher target or hard label): every one under
 *       {@code trainer.codistill.filter=none}; under {@code agreement} only where the peers' top class is that answer
 *       ({@link PeerAgreement}).
 *   <li>A peer-only sample (neither; kept under {@code trainer.codistill.unlabelled=use}): nothing to agree with,
 *       and the peers' term is all it learns from, so it applies wherever the peers' top probability reaches
 *       {@code trainer.codistill.unlabelled.min.confidence}.
 * </ul>
 */
public final class PeerTermMask {

    private final boolean agreementOnly;
    private final boolean peerOnlySamples;
    private final double minConfidence;

    public PeerTermMask(boolean agreementOnly, boolean peerOnlySamples, double minConfidence) {
        this.agreementOnly = agreementOnly;
        this.peerOnlySamples = peerOnlySamples;
        this.minConfidence = minConfidence;
    }

    public static PeerTermMask of(Federation federation) {
        return new PeerTermMask(federation.agreementOnly(), federation.usesUnlabelled(),
                federation.unlabelledMinConfidence());
    }

    /** 1 where the peers' term applies, 0 elsewhere; null when it applies to every sample. */
    public float[] mask(List<Sample> samples, float[][] peerLogProbs) {
        if (!agreementOnly && (!peerOnlySamples || minConfidence <= 0)) {
            return null;
        }
        float[] agreement = agreementOnly ? PeerAgreement.mask(samples, peerLogProbs) : null;
        float[] mask = new float[samples.size()];
        double minLogProb = Math.log(minConfidence);
        for (int i = 0; i < mask.length; i++) {
            Sample s = samples.get(i);
            if (peerOnlySamples && !s.hasTeacher() && !s.hasHardLabel()) {
                mask[i] = peerLogProbs[i][PeerAgreement.argmax(peerLogProbs[i])] >= minLogProb ? 1f : 0f;
            } else {
                mask[i] = agreement == null ? 1f : agreement[i];
            }
        }
        return mask;
    }
}
