package io.distill.topology.accounting;

import io.distill.topology.metrics.TopologyMetrics;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Counts request records and their dispositions in a changelogged store, so that the counts are
 * exactly once with the outputs (the store update commits in the same transaction) and survive a
 * restart. Also feeds the Prometheus counters, which are best effort.
 */
public final class DispositionLedger {

    /** Key under which every request record read is counted. */
    public static final String RECEIVED = "received";

    private final KeyValueStore<String, Long> store;
    private final TopologyMetrics metrics;

    public DispositionLedger(KeyValueStore<String, Long> store, TopologyMetrics metrics) {
        this.store = store;
        this.metrics = metrics;
    }

    /** Counts one request record read from the requests topic. */
    public void received() {
        increment(RECEIVED);
        metrics.requestReceived();
    }

    /** Counts the one disposition of a request record. */
    public void record(Disposition disposition) {
        increment(disposition.key());
        metrics.disposition(disposition);
    }

    private void increment(String key) {
        Long current = store.get(key);
        store.put(key, current == null ? 1L : current + 1);
    }
}
