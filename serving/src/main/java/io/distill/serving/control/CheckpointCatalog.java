package io.distill.serving.control;

import io.distill.core.checkpoint.store.ManifestKeys;
import io.distill.core.topics.Topic;
import io.distill.schema.CheckpointControl;
import io.distill.schema.CheckpointManifest;
import io.distill.serving.policy.VersionPolicy;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A snapshot of one model's committed manifests and its current control record, read once from the beginning of
 * both compacted topics up to their end offsets: what the operations commands list, show and base their control
 * records on.
 */
public final class CheckpointCatalog {

    private final String model;
    private final NavigableMap<Long, CheckpointManifest> manifests;
    private final CheckpointControl control;

    private CheckpointCatalog(String model, NavigableMap<Long, CheckpointManifest> manifests,
                              CheckpointControl control) {
        this.model = model;
        this.manifests = manifests;
        this.control = control;
    }

    public static CheckpointCatalog read(String model, Topic<String, CheckpointManifest> manifestTopic,
                                         Topic<String, CheckpointControl> controlTopic,
                                         Map<String, Object> kafkaClientProperties, Duration timeout) {
        Map<String, Object> props = new HashMap<>(kafkaClientProperties);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        NavigableMap<Long, CheckpointManifest> manifests = new TreeMap<>();
        CheckpointControl control = null;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(manifestTopic.name(), controlTopic.name())) {
                List<PartitionInfo> infos = c.partitionsFor(topic, timeout);
                if (infos == null || infos.isEmpty()) {
                    throw new IllegalStateException("topic " + topic + " does not exist");
                }
                infos.forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
            }
            c.assign(partitions);
            c.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = c.endOffsets(partitions, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!reached(c, end)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("timed out reading " + manifestTopic.name() + " and "
                            + controlTopic.name());
                }
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    String key = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
                    if (r.topic().equals(manifestTopic.name())) {
                        if (!ManifestKeys.isManifestOf(key, model)) {
                            continue;
                        }
                        long version = ManifestKeys.parseManifestKey(key).version();
                        if (r.value() == null) {
                            manifests.remove(version);
                        } else {
                            manifests.put(version, manifestTopic.valueDeserializer()
                                    .deserialize(r.topic(), r.headers(), r.value()));
                        }
                    } else if (key.equals(model)) {
                        control = r.value() == null ? null
                                : controlTopic.valueDeserializer().deserialize(r.topic(), r.headers(), r.value());
                    }
                }
            }
        }
        return new CheckpointCatalog(model, manifests, control);
    }

    private static boolean reached(KafkaConsumer<byte[], byte[]> c, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (c.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    public String model() {
        return model;
    }

    public NavigableMap<Long, CheckpointManifest> manifests() {
        return manifests;
    }

    public Optional<CheckpointManifest> manifest(long version) {
        return Optional.ofNullable(manifests.get(version));
    }

    public Optional<CheckpointControl> control() {
        return Optional.ofNullable(control);
    }

    public VersionPolicy policy() {
        return VersionPolicy.from(control);
    }

    /** The version the fleet serves under the current policy (servers may still refuse it), or -1. */
    public long selectedVersion() {
        return policy().select(manifests.navigableKeySet(), java.util.Set.of()).orElse(-1);
    }
}
