package io.distill.topology.testkit;

import io.distill.topology.accounting.DispositionSummary;
import io.distill.topology.app.TopologyApp;
import java.time.Duration;

/** Waits on a running topology's own accounting (its interactive queries), not on its output topics. */
public final class Decisions {
    private Decisions() {}

    /**
     * Polls the topology's disposition summary until at least {@code expected} requests are decided and none is
     * pending, or {@code timeout} passes; returns the last summary read (null if none could be read).
     */
    public static DispositionSummary awaitDecided(TopologyApp app, long expected, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        DispositionSummary summary = null;
        while (System.nanoTime() < deadline) {
            try {
                summary = app.dispositions();
                if (summary.decided() >= expected && summary.pending() == 0) {
                    return summary;
                }
            } catch (RuntimeException e) {
                // stores not queryable during a rebalance
            }
            Thread.sleep(200);
        }
        return summary;
    }
}
