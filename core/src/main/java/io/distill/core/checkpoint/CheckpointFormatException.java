package io.distill.core.checkpoint;

/**
 * A checkpoint blob that cannot be read: wrong magic, a format version or precision this reader
 * does not know, a failed checksum, truncated or malformed sections, or parameters that do not fit
 * the network they are loaded into.
 */
public class CheckpointFormatException extends Exception {

    /** @param message what is wrong */
    public CheckpointFormatException(String message) {
        super(message);
    }

    /**
     * @param message what is wrong
     * @param cause the underlying error
     */
    public CheckpointFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
