package io.distill.teacher.service;

/** How a soft label's distribution is written. */
public enum SoftLabelForm {
    /** Every class's log-probability. */
    DENSE,
    /** The k most likely classes plus the log of the remaining mass. */
    TOP_K
}
