package io.distill.trainer.data;

import org.apache.kafka.common.TopicPartition;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Groups decoded records into micro-batches of a fixed size and remembers, per partition, the position after the last
 * record handled. Every record counts toward the position, including corrections and dead-lettered ones, so a sealed
 * batch's {@code untilOffsets} is exactly where a restart after training it must resume.
 */
public final class BatchAssembler {

    private final int batchSize;
    private final Map<TopicPartition, Long> handledUntil = new HashMap<>();
    private List<Sample> pending;

    public BatchAssembler(int batchSize, Map<TopicPartition, Long> startPositions) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive: " + batchSize);
        }
        this.batchSize = batchSize;
        this.handledUntil.putAll(startPositions);
        this.pending = new ArrayList<>(batchSize);
    }

    /**
     * Records that the record at {@code offset} was handled, contributing {@code sample} (or nothing when null).
     * Returns the sealed batch when this sample filled it.
     */
    public Optional<MicroBatch> handled(TopicPartition tp, long offset, Sample sample) {
        handledUntil.merge(tp, offset + 1, Math::max);
        if (sample == null) {
            return Optional.empty();
        }
        pending.add(sample);
        return pending.size() >= batchSize ? Optional.of(seal()) : Optional.empty();
    }

    /** Seals whatever is pending as a (smaller) batch, e.g. when the stream is idle; empty when nothing is. */
    public Optional<MicroBatch> flush() {
        return pending.isEmpty() ? Optional.empty() : Optional.of(seal());
    }

    public int pendingSamples() {
        return pending.size();
    }

    private MicroBatch seal() {
        MicroBatch batch = new MicroBatch(List.copyOf(pending), Map.copyOf(handledUntil));
        pending = new ArrayList<>(batchSize);
        return batch;
    }
}
