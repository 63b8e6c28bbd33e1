package io.distill.core.checkpoint.store;

import io.distill.schema.CheckpointManifest;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Future;

/**
 * Retires checkpoint versions: a tombstone for the manifest ({@code model:version} on the compacted checkpoints topic)
 * and the removal of the blob's chunks from the store the manifest names (tombstones on a blob topic, deleted files in
 * a directory). The manifest goes first: once it is gone no reader fetches the chunks. Writes go through the caller's
 * producer; a transactional caller wraps each step in a transaction of its own (see the trainer's retention), a
 * plain one (the {@code checkpoints retire} command) waits for the manifest tombstone before removing the chunks.
 */
public final class VersionRetirement {

    private final Producer<byte[], byte[]> producer;
    private final String checkpointsTopic;
    private final Map<String, Object> kafkaClientProperties;
    private final BlobStore ownStore;

    /**
     * @param ownStore a store already open for writing through {@code producer}, used for manifests naming it;
     *                 others are opened (and closed) as needed; may be null
     */
    public VersionRetirement(Producer<byte[], byte[]> producer, String checkpointsTopic,
                             Map<String, Object> kafkaClientProperties, BlobStore ownStore) {
        this.producer = producer;
        this.checkpointsTopic = checkpointsTopic;
        this.kafkaClientProperties = kafkaClientProperties;
        this.ownStore = ownStore;
    }

    /** Sends the tombstone of the version's manifest. */
    public Future<?> tombstoneManifest(String model, long version) {
        return producer.send(new ProducerRecord<>(checkpointsTopic,
                ManifestKeys.manifestKey(model, version).getBytes(StandardCharsets.UTF_8), null));
    }

    /** Removes the version's chunks from the store its manifest names. */
    public void removeChunks(CheckpointManifest manifest) throws IOException {
        String model = manifest.getModelName();
        if (ownStore != null && ownStore.uri().equals(manifest.getBlobStore())) {
            ownStore.retire(model, manifest.getVersion(), manifest.getChunks());
            return;
        }
        try (BlobStore store = BlobStores.open(manifest.getBlobStore(), kafkaClientProperties, producer)) {
            store.retire(model, manifest.getVersion(), manifest.getChunks());
        }
    }

    /** Both steps with a plain (non-transactional) producer: the manifest tombstone is acknowledged first. */
    public void retire(CheckpointManifest manifest) throws IOException, InterruptedException {
        try {
            tombstoneManifest(manifest.getModelName(), manifest.getVersion()).get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException("tombstoning the manifest of " + manifest.getModelName() + ":"
                    + manifest.getVersion() + " failed", e.getCause());
        }
        removeChunks(manifest);
        producer.flush();
    }
}
