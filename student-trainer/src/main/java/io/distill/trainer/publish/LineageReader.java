package io.distill.trainer.publish;

import io.distill.core.checkpoint.store.ManifestKeys;
import io.distill.schema.CheckpointManifest;
import org.apache.kafka.common.serialization.Deserializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads a model's published versions from the compacted checkpoints topic: every partition from the beginning up
 * to its end, read_committed, without a consumer group. Tombstones retire versions. The newest live manifest is
 * where a restarting trainer resumes; the highest version ever seen (live or retired) fixes the next version number.
 */
public final class LineageReader {

    private final Map<String, Object> clientProperties;
    private final String topic;
    private final Deserializer<CheckpointManifest> deserializer;
    private final Duration timeout;

    public LineageReader(Map<String, Object> clientProperties, String topic,
                         Deserializer<CheckpointManifest> deserializer, Duration timeout) {
        this.clientProperties = clientProperties;
        this.topic = topic;
        this.deserializer = deserializer;
        this.timeout = timeout;
    }

    /** The model's versions as the topic holds them now. */
    public Lineage read(String model) {
        TreeMap<Long, CheckpointManifest> live = new TreeMap<>();
        long[] highest = {0};
        CompactedTopicScan.readToEnd(clientProperties, topic, timeout, record -> {
            String key = record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
            if (!ManifestKeys.isManifestOf(key, model)) {
                return;
            }
            long version = ManifestKeys.parseManifestKey(key).version();
            highest[0] = Math.max(highest[0], version);
            if (record.value() == null) {
                live.remove(version);
            } else {
                live.put(version, deserializer.deserialize(record.topic(), record.value()));
            }
        });
        return new Lineage(model, live, highest[0]);
    }
}
