package io.distill.trainer.publish;

import io.distill.schema.CheckpointManifest;
import io.distill.schema.OffsetRange;
import org.apache.kafka.common.TopicPartition;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A model's published versions: the live manifests by version and the highest version number ever used.
 */
public record Lineage(String model, TreeMap<Long, CheckpointManifest> live, long highestVersion) {

    public Optional<CheckpointManifest> newest() {
        return live.isEmpty() ? Optional.empty() : Optional.of(live.lastEntry().getValue());
    }

    public long nextVersion() {
        return highestVersion + 1;
    }

    public List<CheckpointManifest> versions() {
        return List.copyOf(live.values());
    }

    /** Where a manifest's lineage stopped consuming, per partition of its examples topic. */
    public static Map<TopicPartition, Long> untilOffsets(CheckpointManifest manifest) {
        Map<TopicPartition, Long> positions = new HashMap<>();
        for (OffsetRange r : manifest.getOffsets()) {
            positions.put(new TopicPartition(r.getTopic().toString(), r.getPartition()), r.getUntilOffset());
        }
        return positions;
    }
}
