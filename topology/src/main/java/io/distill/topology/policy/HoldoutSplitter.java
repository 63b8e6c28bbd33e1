package io.distill.topology.policy;

import io.distill.schema.Split;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Decides the split of an example from its sample key alone: the first 64 bits of
 * SHA-256(sampleKey) read as an unsigned fraction of 2^64; below {@code holdout.fraction} is hold-out.
 * The same input therefore lands in the same split whatever its request id, on every replay and on
 * every instance.
 */
public final class HoldoutSplitter {

    private static final double TWO_TO_64 = 18446744073709551616.0;

    private final double holdoutFraction;

    public HoldoutSplitter(double holdoutFraction) {
        this.holdoutFraction = holdoutFraction;
    }

    public Split splitOf(String sampleKey) {
        return position(sampleKey) < holdoutFraction ? Split.HOLDOUT : Split.TRAIN;
    }

    /** @return where the key falls in [0, 1) */
    public static double position(String sampleKey) {
        byte[] digest = sha256().digest(sampleKey.getBytes(StandardCharsets.UTF_8));
        long bits = ByteBuffer.wrap(digest, 0, 8).getLong();
        double unsigned = (double) (bits >>> 1) * 2.0 + (bits & 1L);
        return unsigned / TWO_TO_64;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
