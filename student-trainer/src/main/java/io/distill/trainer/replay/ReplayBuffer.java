package io.distill.trainer.replay;

import io.distill.trainer.data.Sample;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A bounded reservoir of past samples (Vitter's algorithm R): after {@code n} offers every sample offered so far
 * is in the buffer with the same probability {@code capacity / n}, so the student keeps revisiting the whole history
 * while memory stays bounded. Samples are indexed by request id so that late labels reach them. Thread-safe: the
 * decoding thread applies corrections while the training thread offers and samples.
 */
public final class ReplayBuffer {

    private final int capacity;
    private final Random random;
    private final List<Sample> slots;
    private final Map<String, Integer> slotByRequestId;
    private long offered;

    public ReplayBuffer(int capacity, long seed) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity must not be negative: " + capacity);
        }
        this.capacity = capacity;
        this.random = new Random(seed);
        this.slots = new ArrayList<>(Math.min(capacity, 1 << 16));
        this.slotByRequestId = new HashMap<>();
    }

    public int capacity() {
        return capacity;
    }

    public synchronized int size() {
        return slots.size();
    }

    public synchronized long offered() {
        return offered;
    }

    /** Offers a fresh sample; it replaces a random resident with probability {@code capacity / offered}. */
    public synchronized void offer(Sample sample) {
        offered++;
        if (capacity == 0) {
            return;
        }
        if (slots.size() < capacity) {
            slotByRequestId.put(sample.requestId(), slots.size());
            slots.add(sample);
            return;
        }
        long j = (long) (random.nextDouble() * offered);
        if (j < capacity) {
            Sample evicted = slots.set((int) j, sample);
            slotByRequestId.remove(evicted.requestId(), (int) j);
            slotByRequestId.put(sample.requestId(), (int) j);
        }
    }

    /** {@code n} residents drawn uniformly with replacement; fewer (none) when the buffer is empty. */
    public synchronized List<Sample> sample(int n) {
        if (slots.isEmpty() || n <= 0) {
            return List.of();
        }
        List<Sample> drawn = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            drawn.add(slots.get(random.nextInt(slots.size())));
        }
        return drawn;
    }

    /** Applies a late hard label to the resident with this request id; false when it is not (or no longer) here. */
    public synchronized boolean correct(String requestId, int hardLabel) {
        Integer slot = slotByRequestId.get(requestId);
        if (slot == null) {
            return false;
        }
        slots.get(slot).correctLabel(hardLabel);
        return true;
    }
}
