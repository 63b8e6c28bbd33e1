package io.distill.topology.accounting;

/** Why a request was filtered out. */
public enum FilterReason {
    /** No teacher answered before the timeout and no ground truth was there either. */
    NO_TEACHER,
    /** The ensemble's confidence was below {@code filter.min.confidence}. */
    LOW_CONFIDENCE,
    /** Its class had reached {@code sampling.class.cap} in the current sampling window. */
    CLASS_CAP,
    /** The stream task had used up {@code rate.limit.per.s}. */
    RATE_LIMIT
}
