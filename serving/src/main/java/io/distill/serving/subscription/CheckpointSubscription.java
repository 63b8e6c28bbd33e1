package io.distill.serving.subscription;

import io.distill.core.checkpoint.store.ManifestKeys;
import io.distill.schema.CheckpointControl;
import io.distill.schema.CheckpointManifest;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Follows the manifest topic and the control topic for one or more models, each server on its own: every partition
 * is assigned directly (no consumer group), read from the beginning with {@code read_committed}, so a server sees
 * exactly the committed manifests and the newest policy, and two servers never share or steal work.
 *
 * <p>Nothing is loaded until the reader has caught up with the end offsets it found at start: a restarting server
 * therefore loads the version the policy selects straight away, never an older one first. After that each poll is
 * followed by {@link ModelTrack#reconcile()} for every model, on this one thread, so loads never overlap.
 *
 * <p>A record that cannot be decoded is handed to the bad-record handler (dead-letter publishing) and skipped.
 */
public final class CheckpointSubscription implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CheckpointSubscription.class);
    private static final Duration POLL = Duration.ofMillis(100);

    private final Map<String, Object> consumerProperties;
    private final String manifestTopic;
    private final String controlTopic;
    private final Deserializer<CheckpointManifest> manifests;
    private final Deserializer<CheckpointControl> controls;
    private final Map<String, ModelTrack> tracks = new LinkedHashMap<>();
    private final BiConsumer<ConsumerRecord<byte[], byte[]>, Exception> badRecords;
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean running = true;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private final java.util.Set<String> assignedTopics = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public CheckpointSubscription(Map<String, Object> kafkaClientProperties, String manifestTopic, String controlTopic,
                                  Deserializer<CheckpointManifest> manifests, Deserializer<CheckpointControl> controls,
                                  Collection<ModelTrack> tracks,
                                  BiConsumer<ConsumerRecord<byte[], byte[]>, Exception> badRecords) {
        this.consumerProperties = new HashMap<>(kafkaClientProperties);
        consumerProperties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerProperties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerProperties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerProperties.remove(ConsumerConfig.GROUP_ID_CONFIG);
        this.manifestTopic = manifestTopic;
        this.controlTopic = controlTopic;
        this.manifests = manifests;
        this.controls = controls;
        tracks.forEach(t -> this.tracks.put(t.modelName(), t));
        this.badRecords = badRecords;
        this.thread = new Thread(this::run, "checkpoint-subscription-" + String.join(",", this.tracks.keySet()));
        thread.setDaemon(true);
    }

    public CheckpointSubscription start() {
        thread.start();
        return this;
    }

    public ModelTrack track(String model) {
        return tracks.get(model);
    }

    public Collection<ModelTrack> tracks() {
        return tracks.values();
    }

    /** Every topic this subscription's consumer has been assigned (the manifest and control topics only). */
    public java.util.Set<String> assignedTopics() {
        return java.util.Set.copyOf(assignedTopics);
    }

    /** Whether the reader has read everything that was committed when it started (and made its first choice). */
    public boolean isCaughtUp() {
        return caughtUp.getCount() == 0;
    }

    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void run() {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProperties, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer = c;
            List<TopicPartition> partitions = partitionsOf(c, List.of(manifestTopic, controlTopic));
            c.assign(partitions);
            c.assignment().forEach(tp -> assignedTopics.add(tp.topic()));
            c.seekToBeginning(partitions);
            Map<TopicPartition, Long> startEnd = c.endOffsets(partitions);
            log.info("following {} and {} for {} from the beginning ({} committed records to read first)",
                    manifestTopic, controlTopic, tracks.keySet(), startEnd.values().stream().mapToLong(v -> v).sum());
            while (running) {
                ConsumerRecords<byte[], byte[]> records = c.poll(POLL);
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    route(record);
                }
                if (!isCaughtUp() && reached(c, startEnd)) {
                    caughtUp.countDown();
                    log.info("caught up with checkpoints and policies of {}", tracks.keySet());
                }
                if (isCaughtUp()) {
                    for (ModelTrack track : tracks.values()) {
                        track.reconcile();
                    }
                }
            }
        } catch (WakeupException e) {
            if (running) {
                log.error("checkpoint subscription woken up unexpectedly", e);
            }
        } catch (RuntimeException e) {
            log.error("checkpoint subscription stopped", e);
        } finally {
            consumer = null;
        }
    }

    private void route(ConsumerRecord<byte[], byte[]> record) {
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        try {
            if (record.topic().equals(manifestTopic)) {
                ManifestKeys.VersionKey parsed = ManifestKeys.parseManifestKey(key);
                ModelTrack track = tracks.get(parsed.model());
                if (track == null) {
                    return;
                }
                CheckpointManifest manifest = record.value() == null ? null
                        : manifests.deserialize(record.topic(), record.headers(), record.value());
                if (manifest != null && (!manifest.getModelName().equals(parsed.model())
                        || manifest.getVersion() != parsed.version())) {
                    throw new IllegalArgumentException("manifest of " + manifest.getModelName() + " v"
                            + manifest.getVersion() + " under key " + key);
                }
                track.onManifest(parsed.version(), manifest, record.timestamp());
            } else {
                ModelTrack track = key == null ? null : tracks.get(key);
                if (track == null) {
                    return;
                }
                CheckpointControl control = record.value() == null ? null
                        : controls.deserialize(record.topic(), record.headers(), record.value());
                if (control != null && !control.getModelName().equals(key)) {
                    throw new IllegalArgumentException("control record of " + control.getModelName() + " under key "
                            + key);
                }
                track.onControl(control);
            }
        } catch (RuntimeException e) {
            log.warn("skipping bad record {}-{}@{} (key {}): {}", record.topic(), record.partition(), record.offset(),
                    key, e.toString());
            badRecords.accept(record, e);
        }
    }

    private List<TopicPartition> partitionsOf(KafkaConsumer<byte[], byte[]> c, List<String> topics) {
        List<TopicPartition> out = new ArrayList<>();
        for (String topic : topics) {
            List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(30));
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("topic " + topic + " does not exist");
            }
            infos.forEach(i -> out.add(new TopicPartition(i.topic(), i.partition())));
        }
        return out;
    }

    private static boolean reached(KafkaConsumer<byte[], byte[]> c, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (c.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        running = false;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
