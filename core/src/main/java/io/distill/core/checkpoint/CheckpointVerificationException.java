package io.distill.core.checkpoint;

/**
 * Reassembled checkpoint chunks that do not match their manifest. {@link #failure()} says which
 * check failed and {@link #chunkIndex()} which chunk (-1 when the failure is not about one chunk).
 */
public class CheckpointVerificationException extends Exception {

    /** The check that failed. */
    public enum Failure {
        /** Chunk references are not numbered 0..n-1 in order, or a chunk's bytes are absent. */
        MISSING_CHUNK,
        /** A chunk's length differs from its reference's size. */
        CHUNK_SIZE_MISMATCH,
        /** A chunk's SHA-256 differs from its reference's. */
        CHUNK_SHA_MISMATCH,
        /** The chunk sizes do not add up to the declared total size. */
        SIZE_MISMATCH,
        /** The SHA-256 of the whole blob differs from the declared one. */
        WHOLE_SHA_MISMATCH
    }

    private final Failure failure;
    private final int chunkIndex;

    /**
     * @param failure the check that failed
     * @param chunkIndex the chunk concerned, or -1
     * @param message details
     */
    public CheckpointVerificationException(Failure failure, int chunkIndex, String message) {
        super(failure + (chunkIndex >= 0 ? " (chunk " + chunkIndex + ")" : "") + ": " + message);
        this.failure = failure;
        this.chunkIndex = chunkIndex;
    }

    /** @return the check that failed */
    public Failure failure() {
        return failure;
    }

    /** @return the chunk concerned, or -1 */
    public int chunkIndex() {
        return chunkIndex;
    }
}
