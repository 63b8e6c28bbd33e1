package io.distill.topology.accounting;

/** The four ways a request can end; every request record ends in exactly one. */
public enum Outcome {
    /** Became a training or hold-out example. */
    EXAMPLE,
    /** Refused by a policy (no teacher, low confidence, class cap, rate limit). */
    FILTERED,
    /** Its request id had already been seen. */
    DUPLICATE,
    /** Undecodable or invalid; written to the dead-letter topic. */
    DEAD_LETTERED
}
