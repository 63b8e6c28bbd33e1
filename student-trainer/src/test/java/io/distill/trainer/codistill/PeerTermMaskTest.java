package io.distill.trainer.codistill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.distill.trainer.data.Sample;
import java.util.List;
import org.junit.jupiter.api.Test;

class PeerTermMaskTest {

    private static float[] logs(double... p) {
        float[] out = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = (float) Math.log(p[i]);
        }
        return out;
    }

    private static final float[] INPUT = new float[4];
    // labelled 0 (peers say 0), labelled 1 (peers say 0), teacher says 2 (peers say 2),
    // peer-only with confident peers (0.8), peer-only with unsure peers (0.4)
    private static final List<Sample> BATCH = List.of(
            new Sample("l0", INPUT, null, 0, 1f),
            new Sample("l1", INPUT, null, 1, 1f),
            new Sample("t2", INPUT, logs(0.1, 0.1, 0.8), Sample.NO_LABEL, 1f),
            new Sample("u-sure", INPUT, null, Sample.NO_LABEL, 1f),
            new Sample("u-unsure", INPUT, null, Sample.NO_LABEL, 1f));
    private static final float[][] PEERS = {
        logs(0.7, 0.2, 0.1), logs(0.7, 0.2, 0.1), logs(0.1, 0.2, 0.7), logs(0.1, 0.8, 0.1), logs(0.4, 0.3, 0.3)};

    @Test
    void peerOnlySamplesTakeThePeerTermWhereThePeersAreConfidentEnough() {
        assertArrayEquals(new float[] {1, 0, 1, 1, 1}, new PeerTermMask(true, true, 0).mask(BATCH, PEERS));
        assertArrayEquals(new float[] {1, 0, 1, 1, 0}, new PeerTermMask(true, true, 0.5).mask(BATCH, PEERS));
        assertArrayEquals(new float[] {1, 1, 1, 1, 0}, new PeerTermMask(false, true, 0.5).mask(BATCH, PEERS));
    }

    @Test
    void withoutPeerOnlySamplesTheFilterDecidesAsBefore() {
        // agreement: a sample with no answer of its own gets no peer term
        assertArrayEquals(new float[] {1, 0, 1, 0, 0}, new PeerTermMask(true, false, 0.5).mask(BATCH, PEERS));
        assertArrayEquals(PeerAgreement.mask(BATCH, PEERS), new PeerTermMask(true, false, 0).mask(BATCH, PEERS));
        // none: every sample (no mask)
        assertNull(new PeerTermMask(false, false, 0.5).mask(BATCH, PEERS));
        assertNull(new PeerTermMask(false, true, 0).mask(BATCH, PEERS));
    }
}
