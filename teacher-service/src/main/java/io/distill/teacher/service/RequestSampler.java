package io.distill.teacher.service;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Decides, from a request's sample key alone, whether the teacher labels it. The same sample key
 * always gets the same answer, in every process and for every teacher, so a replayed input is
 * labelled again or skipped again, and teachers with the same fraction label the same inputs
 * (which the ensembling topology needs).
 *
 * <p>The key is hashed with its own salt, so the decision is independent of the hold-out split,
 * which hashes the same key: otherwise a 10 % sample could fall entirely into a 10 % hold-out.
 */
public final class RequestSampler {

    private static final byte[] SALT = "distill/teacher-sampling/v1\0".getBytes(StandardCharsets.UTF_8);

    private final double fraction;
    private final long threshold;

    /**
     * @param fraction share of requests to label, in [0, 1]
     */
    public RequestSampler(double fraction) {
        if (!(fraction >= 0.0 && fraction <= 1.0)) {
            throw new IllegalArgumentException("sampling fraction must be in [0, 1], not " + fraction);
        }
        this.fraction = fraction;
        // Compare the top 62 bits of the hash against fraction * 2^62 (exact for 0 and 1).
        this.threshold = (long) Math.floor(fraction * (double) (1L << 62));
    }

    public double fraction() {
        return fraction;
    }

    /**
     * @param sampleKey the request's sample key
     * @return whether this request is labelled
     */
    public boolean accepts(String sampleKey) {
        if (fraction >= 1.0) {
            return true;
        }
        if (fraction <= 0.0) {
            return false;
        }
        return position(sampleKey) < threshold;
    }

    /** @return a uniform value in [0, 2^62) derived from the key */
    static long position(String sampleKey) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        sha.update(SALT);
        byte[] digest = sha.digest(sampleKey.getBytes(StandardCharsets.UTF_8));
        return ByteBuffer.wrap(digest).getLong() >>> 2;
    }
}
