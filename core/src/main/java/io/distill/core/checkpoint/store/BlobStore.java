package io.distill.core.checkpoint.store;

import io.distill.schema.ChunkRef;

import java.io.IOException;
import java.util.List;

/**
 * Where checkpoint blobs live, chunk by chunk. A manifest names its store by {@link #uri()} and lists its chunks as
 * {@link ChunkRef}s; any reader that can open that URI (trainer on restart, every serving instance) gets the same
 * bytes back, verified chunk by chunk against size and SHA-256.
 *
 * <p>Writes of the Kafka-native store go through the caller's transactional producer: the chunks become visible
 * only when the caller commits the transaction that also carries the manifest. The file store writes each chunk
 * atomically (temporary file + rename) before the manifest is published; chunks of a version whose manifest never
 * got committed are simply overwritten when that version number is published again.
 */
public interface BlobStore extends AutoCloseable {

    /** The URI manifests record, e.g. {@code kafka:distill.checkpoint-blobs} or {@code file:///var/lib/distill/blobs}. */
    String uri();

    /** The largest chunk this store accepts, in bytes. */
    int maxChunkBytes();

    /** Stores the chunks of one version in order and returns their references (index, size, SHA-256, location). */
    List<ChunkRef> put(String model, long version, List<byte[]> chunks) throws IOException;

    /**
     * Reads the chunks of one version in order and returns the whole blob; throws {@link BlobIntegrityException}
     * when a chunk is missing or its size or SHA-256 differ from the reference.
     */
    byte[] get(String model, long version, List<ChunkRef> chunks) throws IOException;

    /** Removes a retired version's chunks: tombstones on the blob topic, deleted files in a directory. */
    void retire(String model, long version, List<ChunkRef> chunks) throws IOException;

    @Override
    void close();
}
