package io.distill.teacher.service;

import io.distill.core.deadletter.ReasonCode;

/** A request the teacher cannot label because of the record itself; it goes to the dead-letter topic. */
public final class RejectedRecordException extends Exception {

    private static final long serialVersionUID = 1L;

    private final ReasonCode reasonCode;

    public RejectedRecordException(ReasonCode reasonCode, String message, Throwable cause) {
        super(message, cause);
        this.reasonCode = reasonCode;
    }

    public ReasonCode reasonCode() {
        return reasonCode;
    }
}
