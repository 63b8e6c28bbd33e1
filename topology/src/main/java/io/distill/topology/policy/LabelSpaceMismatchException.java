package io.distill.topology.policy;

import io.distill.schema.SoftLabel;

/** Teachers' outputs over different label spaces (id or version): they must not be combined. */
public class LabelSpaceMismatchException extends RuntimeException {

    private final transient SoftLabel offending;

    public LabelSpaceMismatchException(String message, SoftLabel offending) {
        super(message);
        this.offending = offending;
    }

    /** @return the first soft label whose label space differs from the first teacher's */
    public SoftLabel offending() {
        return offending;
    }
}
