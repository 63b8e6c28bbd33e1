package io.distill.trainer.data;

import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Samples decoded from the examples topic and not yet trained: in the batch being assembled, in the prefetch queue or
 * in the step running now, by request id. A late label (correction) that arrives while its example waits here is
 * applied to it, so the example is trained with it; the training thread releases a batch's samples only after
 * offering them to the replay buffer, so a correction always finds its example in one place or the other.
 * Thread-safe: the prefetch thread adds and corrects, the training thread releases.
 */
public final class WaitingSamples {

    private final ConcurrentHashMap<String, Sample> byRequestId = new ConcurrentHashMap<>();

    public void add(Sample sample) {
        byRequestId.put(sample.requestId(), sample);
    }

    /** Forgets trained samples (a newer sample with the same request id stays). */
    public void release(Collection<Sample> trained) {
        for (Sample s : trained) {
            byRequestId.remove(s.requestId(), s);
        }
    }

    /** Applies a late hard label to the waiting sample with this request id; false when none waits. */
    public boolean correct(String requestId, int hardLabel) {
        Sample s = byRequestId.get(requestId);
        if (s == null) {
            return false;
        }
        s.correctLabel(hardLabel);
        return true;
    }

    public int size() {
        return byRequestId.size();
    }
}
