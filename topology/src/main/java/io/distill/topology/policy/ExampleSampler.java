package io.distill.topology.policy;

import io.distill.topology.accounting.FilterReason;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Class-balanced sampling and the rate limit, both per stream task.
 *
 * <ul>
 *   <li>Class cap: at most {@code sampling.class.cap} examples per class per sampling window; the
 *       window is a fixed bucket of the request's event time, so a replay makes the same choices.
 *       Counts live in a changelogged store (key {@code <bucket>/<class>}).
 *   <li>Rate limit: a token bucket of {@code rate.limit.per.s} tokens per wall-clock second (burst
 *       of one second), protecting the trainer from floods.
 * </ul>
 */
public final class ExampleSampler {

    private final int classCap;
    private final long windowMs;
    private final double ratePerSecond;
    private final KeyValueStore<String, Long> counts;
    private double tokens;
    private long lastRefill = Long.MIN_VALUE;
    private long latestBucket = Long.MIN_VALUE;

    public ExampleSampler(int classCap, long windowMs, double ratePerSecond, KeyValueStore<String, Long> counts) {
        this.classCap = classCap;
        this.windowMs = windowMs;
        this.ratePerSecond = ratePerSecond;
        this.counts = counts;
        this.tokens = ratePerSecond;
    }

    /**
     * Admits an example or says why not; counts it only when admitted.
     *
     * @param classId the example's class (hard label, else the ensemble's argmax)
     * @param eventTime the request's event time
     * @param now wall-clock time
     */
    public Optional<FilterReason> admit(int classId, long eventTime, long now) {
        String key = null;
        long count = 0;
        if (classCap > 0) {
            long bucket = Math.floorDiv(eventTime, windowMs);
            latestBucket = Math.max(latestBucket, bucket);
            key = bucket + "/" + classId;
            Long c = counts.get(key);
            count = c == null ? 0 : c;
            if (count >= classCap) {
                return Optional.of(FilterReason.CLASS_CAP);
            }
        }
        if (ratePerSecond > 0) {
            refill(now);
            if (tokens < 1) {
                return Optional.of(FilterReason.RATE_LIMIT);
            }
            tokens -= 1;
        }
        if (key != null) {
            counts.put(key, count + 1);
        }
        return Optional.empty();
    }

    private void refill(long now) {
        if (lastRefill == Long.MIN_VALUE) {
            lastRefill = now;
            return;
        }
        if (now > lastRefill) {
            tokens = Math.min(ratePerSecond, tokens + (now - lastRefill) * ratePerSecond / 1000.0);
            lastRefill = now;
        }
    }

    /** Forgets the counts of windows older than the previous one. */
    public void purge() {
        if (classCap <= 0 || latestBucket == Long.MIN_VALUE) {
            return;
        }
        List<String> old = new ArrayList<>();
        try (KeyValueIterator<String, Long> it = counts.all()) {
            while (it.hasNext()) {
                KeyValue<String, Long> kv = it.next();
                int slash = kv.key.indexOf('/');
                if (slash > 0 && Long.parseLong(kv.key.substring(0, slash)) < latestBucket - 1) {
                    old.add(kv.key);
                }
            }
        }
        old.forEach(counts::delete);
    }
}
