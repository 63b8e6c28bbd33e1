package io.distill.trainer.publish;

import io.distill.schema.CheckpointControl;
import org.apache.kafka.common.serialization.Deserializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Reads a model's current fleet policy from the compacted checkpoint-control topic (keyed by model, newest record
 * wins, a tombstone clears it): every partition from the beginning to its end, read_committed, no consumer group.
 */
public final class ControlRecordReader {

    private final Map<String, Object> clientProperties;
    private final String topic;
    private final Deserializer<CheckpointControl> deserializer;
    private final Duration timeout;

    public ControlRecordReader(Map<String, Object> clientProperties, String topic,
                               Deserializer<CheckpointControl> deserializer, Duration timeout) {
        this.clientProperties = clientProperties;
        this.topic = topic;
        this.deserializer = deserializer;
        this.timeout = timeout;
    }

    public Optional<CheckpointControl> read(String model) {
        AtomicReference<CheckpointControl> control = new AtomicReference<>();
        CompactedTopicScan.readToEnd(clientProperties, topic, timeout, record -> {
            String key = record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
            if (key.equals(model)) {
                control.set(record.value() == null ? null
                        : deserializer.deserialize(record.topic(), record.headers(), record.value()));
            }
        });
        return Optional.ofNullable(control.get());
    }
}
