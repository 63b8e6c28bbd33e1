package io.distill.trainer.codistill;

import io.distill.trainer.data.Sample;

import java.util.List;

/**
 * Which samples the peers' term applies to under {@code trainer.codistill.filter=agreement}: those where the peers'
 * most likely class is the site's own answer (the hard label when there is one, else the teacher's most likely class).
 * A peer trained mostly on other classes is often wrong on this site's inputs; its distribution is taken where it
 * agrees with what the site knows, and ignored elsewhere.
 */
public final class PeerAgreement {

    private PeerAgreement() {
    }

    /** 1 where the peers agree with the sample's own answer, 0 elsewhere (and where the sample has none). */
    public static float[] mask(List<Sample> samples, float[][] peerLogProbs) {
        float[] mask = new float[samples.size()];
        for (int i = 0; i < mask.length; i++) {
            Sample s = samples.get(i);
            int own = s.hasHardLabel() ? s.hardLabel() : s.hasTeacher() ? s.teacherArgmax() : -1;
            mask[i] = own >= 0 && argmax(peerLogProbs[i]) == own ? 1f : 0f;
        }
        return mask;
    }

    static int argmax(float[] row) {
        int best = 0;
        for (int c = 1; c < row.length; c++) {
            if (row[c] > row[best]) {
                best = c;
            }
        }
        return best;
    }
}
