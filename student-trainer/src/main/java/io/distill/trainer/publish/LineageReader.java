package io.distill.trainer.publish;

import io.distill.core.checkpoint.store.ManifestKeys;
import io.distill.schema.CheckpointManifest;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
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
        Map<String, Object> props = new HashMap<>(clientProperties);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        TreeMap<Long, CheckpointManifest> live = new TreeMap<>();
        long highest = 0;
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : consumer.partitionsFor(topic, timeout)) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!reached(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("timed out after " + timeout + " reading " + topic);
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    String key = record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
                    if (!ManifestKeys.isManifestOf(key, model)) {
                        continue;
                    }
                    long version = ManifestKeys.parseManifestKey(key).version();
                    highest = Math.max(highest, version);
                    if (record.value() == null) {
                        live.remove(version);
                    } else {
                        live.put(version, deserializer.deserialize(record.topic(), record.value()));
                    }
                }
            }
        }
        return new Lineage(model, live, highest);
    }

    private static boolean reached(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }
}
