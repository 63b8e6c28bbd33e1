package io.distill.teacher.service;

/** How consumed offsets and produced soft labels are tied together. */
public enum DeliveryGuarantee {
    /**
     * Consume-transform-produce in Kafka transactions: soft labels, dead letters and the consumed
     * offsets commit together, so a crash neither loses nor duplicates a label (for read_committed
     * readers). Outputs become visible at each transaction commit.
     */
    EXACTLY_ONCE,
    /**
     * Outputs are sent as soon as they are ready and offsets committed afterwards: lower latency,
     * but a crash between the two re-labels the records since the last commit.
     */
    AT_LEAST_ONCE
}
