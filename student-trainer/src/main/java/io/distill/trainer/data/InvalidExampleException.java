package io.distill.trainer.data;

import io.distill.core.deadletter.ReasonCode;

/** A decoded example the student cannot learn from; goes to the dead-letter topic with its reason code. */
public class InvalidExampleException extends Exception {

    private final ReasonCode reasonCode;

    public InvalidExampleException(ReasonCode reasonCode, String message) {
        super(message);
        this.reasonCode = reasonCode;
    }

    /** The reason code of a validation failure from core, or INVALID_RECORD when core's code has no counterpart. */
    static ReasonCode reasonOf(String code) {
        try {
            return ReasonCode.valueOf(code);
        } catch (IllegalArgumentException | NullPointerException e) {
            return ReasonCode.INVALID_RECORD;
        }
    }

    public ReasonCode reasonCode() {
        return reasonCode;
    }
}
