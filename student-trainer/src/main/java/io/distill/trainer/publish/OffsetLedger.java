package io.distill.trainer.publish;

import io.distill.schema.OffsetRange;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The stream positions of one lineage: where the last published version stopped (its {@code untilOffset}s) and how far
 * training has gone since. A published manifest records, per partition, the range {@code [published, trained)}, so
 * consecutive versions' ranges join without gap or overlap by construction. Used by the training thread only.
 */
public final class OffsetLedger {

    private final Map<TopicPartition, Long> published = new HashMap<>();
    private final Map<TopicPartition, Long> trained = new HashMap<>();

    /** Starts a lineage at these positions (the newest manifest's untilOffsets, or where consumption starts). */
    public void start(Map<TopicPartition, Long> positions) {
        published.clear();
        trained.clear();
        published.putAll(positions);
        trained.putAll(positions);
    }

    /** Records that training has consumed every record before these offsets. Positions never move backwards. */
    public void advance(Map<TopicPartition, Long> untilOffsets) {
        untilOffsets.forEach((tp, until) -> {
            Long current = trained.get(tp);
            if (current == null) {
                throw new IllegalStateException(tp + " was not among the start positions of this lineage");
            }
            if (until < current) {
                throw new IllegalStateException(tp + " would move backwards from " + current + " to " + until);
            }
            trained.put(tp, until);
        });
    }

    /** Whether anything has been trained since the last published version. */
    public boolean hasNewData() {
        for (Map.Entry<TopicPartition, Long> e : trained.entrySet()) {
            if (!e.getValue().equals(published.get(e.getKey()))) {
                return true;
            }
        }
        return false;
    }

    /** How many offsets training has consumed past the last published version, summed over the partitions. */
    public long unpublishedOffsets() {
        long n = 0;
        for (Map.Entry<TopicPartition, Long> e : trained.entrySet()) {
            n += e.getValue() - published.getOrDefault(e.getKey(), e.getValue());
        }
        return n;
    }

    /** The ranges trained since the last published version, one per partition, ordered by topic and partition. */
    public List<OffsetRange> rangesSincePublished() {
        Map<TopicPartition, Long> sorted = new TreeMap<>(Comparator.comparing(TopicPartition::topic)
                .thenComparingInt(TopicPartition::partition));
        sorted.putAll(trained);
        List<OffsetRange> ranges = new ArrayList<>();
        sorted.forEach((tp, until) -> ranges.add(OffsetRange.newBuilder()
                .setTopic(tp.topic())
                .setPartition(tp.partition())
                .setFromOffset(published.getOrDefault(tp, until))
                .setUntilOffset(until)
                .build()));
        return ranges;
    }

    /** The offsets a transaction commits for the consumer group together with a manifest. */
    public Map<TopicPartition, OffsetAndMetadata> offsetsToCommit() {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        trained.forEach((tp, until) -> offsets.put(tp, new OffsetAndMetadata(until)));
        return offsets;
    }

    /** Called after the transaction carrying {@link #rangesSincePublished()} committed. */
    public void markPublished() {
        published.putAll(trained);
    }

    public Map<TopicPartition, Long> trainedPositions() {
        return Map.copyOf(trained);
    }
}
