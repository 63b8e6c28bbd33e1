package io.distill.trainer.eval;

import io.distill.trainer.data.Sample;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The newest hold-out examples, at most {@code capacity}, by request id. The hold-out reader thread adds examples
 * and applies late labels; evaluation takes a {@link #snapshot()} so that a candidate and the published version are
 * scored on exactly the same examples.
 */
public final class HoldoutSet {

    private final int capacity;
    private final LinkedHashMap<String, Sample> byRequestId;

    public HoldoutSet(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("hold-out capacity must be positive: " + capacity);
        }
        this.capacity = capacity;
        this.byRequestId = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Sample> eldest) {
                return size() > HoldoutSet.this.capacity;
            }
        };
    }

    public synchronized void add(Sample sample) {
        byRequestId.remove(sample.requestId());
        byRequestId.put(sample.requestId(), sample);
    }

    /** Applies a late hard label; false when the example is not (or no longer) held. */
    public synchronized boolean correct(String requestId, int hardLabel) {
        Sample s = byRequestId.get(requestId);
        if (s == null) {
            return false;
        }
        s.correctLabel(hardLabel);
        return true;
    }

    public synchronized int size() {
        return byRequestId.size();
    }

    public int capacity() {
        return capacity;
    }

    /** The held examples, oldest first. */
    public synchronized List<Sample> snapshot() {
        return new ArrayList<>(byRequestId.values());
    }
}
