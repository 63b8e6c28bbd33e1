package io.distill.teacher.service;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The consumed records whose outcome has not been committed yet, in offset order per partition.
 *
 * <p>Offsets may only be committed up to the first record that is still with the teacher, so
 * {@link #drainCompleted} hands out the completed prefix of each partition and remembers the offset
 * after it; {@link #committableOffsets} gives those offsets for the next commit. The total count is
 * the service's in-flight work, which the consumer's pausing keeps bounded.
 */
final class PendingRecords {

    /** A record and its (possibly not yet known) outcome. */
    static final class Entry {
        final long offset;
        final CompletableFuture<Outcome> outcome;

        Entry(long offset, CompletableFuture<Outcome> outcome) {
            this.offset = offset;
            this.outcome = outcome;
        }
    }

    private final Map<TopicPartition, Deque<Entry>> byPartition = new HashMap<>();
    private final Map<TopicPartition, Long> nextOffsets = new HashMap<>();
    private int size;

    void add(TopicPartition partition, long offset, CompletableFuture<Outcome> outcome) {
        byPartition.computeIfAbsent(partition, p -> new ArrayDeque<>()).addLast(new Entry(offset, outcome));
        size++;
    }

    /** @return records consumed but not yet drained */
    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /**
     * Hands every completed record at the head of each partition to {@code sink}, in offset order,
     * and advances that partition's committable offset past it.
     *
     * @return the number of records drained
     */
    int drainCompleted(Consumer<Outcome> sink) {
        int drained = 0;
        for (Map.Entry<TopicPartition, Deque<Entry>> e : byPartition.entrySet()) {
            Deque<Entry> queue = e.getValue();
            Entry head;
            while ((head = queue.peekFirst()) != null && head.outcome.isDone()) {
                queue.pollFirst();
                size--;
                drained++;
                sink.accept(head.outcome.join());
                nextOffsets.put(e.getKey(), head.offset + 1);
            }
        }
        return drained;
    }

    /** @return whether any drained record's offset is not committed yet */
    boolean hasCommittable() {
        return !nextOffsets.isEmpty();
    }

    /** @return the offsets to commit for the drained records */
    Map<TopicPartition, OffsetAndMetadata> committableOffsets() {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        nextOffsets.forEach((tp, next) -> out.put(tp, new OffsetAndMetadata(next)));
        return out;
    }

    /** Marks the drained records as committed. */
    void committed() {
        nextOffsets.clear();
    }

    /** @return every future not done yet (to wait for on shutdown) */
    List<CompletableFuture<Outcome>> incomplete() {
        return byPartition.values().stream()
                .flatMap(Collection::stream)
                .map(en -> en.outcome)
                .filter(f -> !f.isDone())
                .toList();
    }

    /** Forgets the records of some partitions (revoked, or rewound after an aborted transaction). */
    void forget(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            Deque<Entry> queue = byPartition.remove(tp);
            if (queue != null) {
                size -= queue.size();
            }
            nextOffsets.remove(tp);
        }
    }

    /** Forgets everything. */
    void clear() {
        byPartition.clear();
        nextOffsets.clear();
        size = 0;
    }
}
