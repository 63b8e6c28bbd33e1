package io.distill.serving.publish;

import io.distill.core.checkpoint.store.KafkaBlobStore;
import io.distill.core.checkpoint.store.ManifestKeys;
import io.distill.schema.CheckpointManifest;
import io.distill.schema.ChunkRef;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Publishes checkpoints the way the trainer does: the chunks on the blob topic (core's Kafka blob store) and the
 * manifest on the manifest topic, in one transaction, so readers see both or neither. Used by the swap benchmark and
 * the tests; {@code tamper} lets a test corrupt chunks after their references were computed.
 */
public final class CheckpointPublisher implements AutoCloseable {

    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaBlobStore blobs;
    private final String manifestTopic;
    private final Serializer<CheckpointManifest> manifests;
    private final int chunkBytes;

    public CheckpointPublisher(Map<String, Object> kafkaClientProperties, String transactionalId, String blobTopic,
                               String manifestTopic, Serializer<CheckpointManifest> manifests, int chunkBytes) {
        Map<String, Object> props = new HashMap<>(kafkaClientProperties);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Math.max(chunkBytes * 2, 1024 * 1024));
        this.producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        producer.initTransactions();
        this.blobs = new KafkaBlobStore(blobTopic, kafkaClientProperties, producer, chunkBytes, Duration.ofSeconds(30));
        this.manifestTopic = manifestTopic;
        this.manifests = manifests;
        this.chunkBytes = chunkBytes;
    }

    public String blobStoreUri() {
        return blobs.uri();
    }

    /** Publishes {@code checkpoint} as {@code model} {@code version}; returns the committed manifest. */
    public CheckpointManifest publish(SyntheticCheckpoint checkpoint, String model, long version) throws IOException {
        return publish(checkpoint, model, version, UnaryOperator.identity(), UnaryOperator.identity());
    }

    /**
     * Publishes with the stored chunk bytes changed by {@code tamperChunk} (applied to each chunk after its reference
     * was computed, as a corrupting store would) and the manifest changed by {@code tamperManifest}.
     */
    public CheckpointManifest publish(SyntheticCheckpoint checkpoint, String model, long version,
                                      UnaryOperator<byte[]> tamperChunk,
                                      UnaryOperator<CheckpointManifest> tamperManifest) throws IOException {
        List<byte[]> chunks = checkpoint.chunks(chunkBytes);
        producer.beginTransaction();
        try {
            List<ChunkRef> refs;
            if (tamperChunk == UnaryOperator.<byte[]>identity()) {
                refs = blobs.put(model, version, chunks);
            } else {
                // References of the true bytes, stored bytes tampered: compute refs from a clean put of the originals
                // would store them too, so build references first from the originals and write tampered records.
                refs = TamperedChunks.put(producer, blobs.topic(), model, version, chunks, tamperChunk);
            }
            CheckpointManifest manifest = tamperManifest.apply(
                    checkpoint.manifest(model, version, blobs.uri(), refs));
            byte[] key = ManifestKeys.manifestKey(model, version).getBytes(StandardCharsets.UTF_8);
            producer.send(new ProducerRecord<>(manifestTopic, key, manifests.serialize(manifestTopic, manifest)));
            producer.commitTransaction();
            return manifest;
        } catch (IOException | RuntimeException e) {
            producer.abortTransaction();
            throw e;
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
