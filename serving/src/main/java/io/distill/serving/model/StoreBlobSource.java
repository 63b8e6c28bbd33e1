package io.distill.serving.model;

import io.distill.core.checkpoint.CheckpointVerificationException;
import io.distill.core.checkpoint.ChunkedBlob;
import io.distill.core.checkpoint.store.BlobIntegrityException;
import io.distill.core.checkpoint.store.BlobStore;
import io.distill.core.checkpoint.store.BlobStores;
import io.distill.schema.CheckpointManifest;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Fetches blobs from whichever core {@link BlobStore} a manifest names (opened read-only once per URI and kept open,
 * so a Kafka store's reading consumer serves every load) and verifies them: the store checks each chunk's size and
 * SHA-256 as it reads, then core's {@link ChunkedBlob#verify} checks the assembled blob in place (chunk numbering,
 * total size, every chunk's SHA-256, the whole blob's SHA-256).
 */
public final class StoreBlobSource implements BlobSource, AutoCloseable {

    private final Map<String, Object> kafkaClientProperties;
    private final Map<String, BlobStore> stores = new ConcurrentHashMap<>();

    public StoreBlobSource(Map<String, Object> kafkaClientProperties) {
        this.kafkaClientProperties = new HashMap<>(kafkaClientProperties);
    }

    @Override
    public byte[] fetch(CheckpointManifest manifest) throws CheckpointRefusedException {
        String name = manifest.getModelName() + " v" + manifest.getVersion();
        BlobStore store;
        try {
            store = stores.computeIfAbsent(manifest.getBlobStore(),
                    uri -> BlobStores.openForReading(uri, kafkaClientProperties));
        } catch (IllegalArgumentException e) {
            throw new CheckpointRefusedException(RefusalReason.UNKNOWN_BLOB_STORE,
                    name + " names a blob store that cannot be opened: " + e.getMessage(), e);
        }
        byte[] stored;
        try {
            stored = store.get(manifest.getModelName(), manifest.getVersion(), manifest.getChunks());
        } catch (BlobIntegrityException e) {
            throw new CheckpointRefusedException(RefusalReason.CHUNK_MISMATCH, name + ": " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            throw new CheckpointRefusedException(RefusalReason.FETCH_FAILED,
                    name + " could not be read from " + manifest.getBlobStore() + ": " + e, e);
        }
        return verify(manifest, stored);
    }

    /** Checks {@code blob} against every size and digest in {@code manifest}; returns it when all agree. */
    public static byte[] verify(CheckpointManifest manifest, byte[] blob) throws CheckpointRefusedException {
        String name = manifest.getModelName() + " v" + manifest.getVersion();
        if (blob.length != manifest.getTotalBytes()) {
            throw new CheckpointRefusedException(RefusalReason.SIZE_MISMATCH,
                    name + ": blob has " + blob.length + " bytes, manifest says " + manifest.getTotalBytes());
        }
        try {
            // In place: the blob is not copied again chunk by chunk.
            ChunkedBlob.verify(manifest, blob);
            return blob;
        } catch (CheckpointVerificationException e) {
            RefusalReason reason = switch (e.failure()) {
                case SIZE_MISMATCH -> RefusalReason.SIZE_MISMATCH;
                case WHOLE_SHA_MISMATCH -> RefusalReason.CHECKSUM_MISMATCH;
                case MISSING_CHUNK, CHUNK_SIZE_MISMATCH, CHUNK_SHA_MISMATCH -> RefusalReason.CHUNK_MISMATCH;
            };
            throw new CheckpointRefusedException(reason, name + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        stores.values().forEach(BlobStore::close);
        stores.clear();
    }
}
