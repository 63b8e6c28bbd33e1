package io.distill.topology.deadletter;

import io.distill.core.deadletter.ReasonCode;

/** A record that decoded but cannot be used; carries the reason code of its dead letter. */
public class InvalidRecordException extends RuntimeException {

    private final ReasonCode reasonCode;

    public InvalidRecordException(ReasonCode reasonCode, String message) {
        super(message);
        this.reasonCode = reasonCode;
    }

    public ReasonCode reasonCode() {
        return reasonCode;
    }
}
