package io.distill.serving.model;

/** A checkpoint version failed a check before it could be swapped in. */
public class CheckpointRefusedException extends Exception {

    private final RefusalReason reason;

    public CheckpointRefusedException(RefusalReason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public CheckpointRefusedException(RefusalReason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public RefusalReason reason() {
        return reason;
    }
}
