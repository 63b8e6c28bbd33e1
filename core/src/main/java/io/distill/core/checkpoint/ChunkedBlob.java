package io.distill.core.checkpoint;

import io.distill.core.checkpoint.CheckpointVerificationException.Failure;
import io.distill.schema.CheckpointManifest;
import io.distill.schema.ChunkRef;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.IntFunction;

/**
 * A blob cut into chunks of at most N bytes, each with its SHA-256, plus the size and SHA-256 of
 * the whole: what a manifest lists and what the blob store holds. {@link #reassemble} puts chunks
 * back together and checks everything on the way.
 */
public final class ChunkedBlob {

    /**
     * One piece of a blob.
     *
     * @param index position, from 0
     * @param data the bytes
     * @param sha256 lower-case hex SHA-256 of the bytes
     */
    public record Chunk(int index, byte[] data, String sha256) {}

    private final List<Chunk> chunks;
    private final long totalBytes;
    private final String sha256;

    private ChunkedBlob(List<Chunk> chunks, long totalBytes, String sha256) {
        this.chunks = List.copyOf(chunks);
        this.totalBytes = totalBytes;
        this.sha256 = sha256;
    }

    /**
     * Cuts a blob into chunks of {@code chunkSize} bytes (the last may be shorter; an empty blob
     * gives no chunk).
     *
     * @param blob the bytes
     * @param chunkSize the maximum chunk size, at least 1
     * @return the chunks with their hashes
     */
    public static ChunkedBlob split(byte[] blob, int chunkSize) {
        if (chunkSize < 1) {
            throw new IllegalArgumentException("chunk size must be at least 1, was " + chunkSize);
        }
        List<Chunk> chunks = new ArrayList<>();
        for (int off = 0, i = 0; off < blob.length; off += chunkSize, i++) {
            byte[] part = Arrays.copyOfRange(blob, off, Math.min(blob.length, off + chunkSize));
            chunks.add(new Chunk(i, part, sha256Hex(part)));
        }
        return new ChunkedBlob(chunks, blob.length, sha256Hex(blob));
    }

    /** @return the chunks, in order */
    public List<Chunk> chunks() {
        return chunks;
    }

    /** @return size of the whole blob */
    public long totalBytes() {
        return totalBytes;
    }

    /** @return lower-case hex SHA-256 of the whole blob */
    public String sha256() {
        return sha256;
    }

    /**
     * @param location where each chunk lives in its store, by index (e.g. a record key {@code
     *     model:version:index})
     * @return the manifest's chunk references
     */
    public List<ChunkRef> chunkRefs(IntFunction<String> location) {
        List<ChunkRef> refs = new ArrayList<>(chunks.size());
        for (Chunk c : chunks) {
            refs.add(ChunkRef.newBuilder()
                    .setIndex(c.index())
                    .setSizeBytes(c.data().length)
                    .setSha256(c.sha256())
                    .setLocation(location.apply(c.index()))
                    .build());
        }
        return refs;
    }

    /**
     * {@link #reassemble(List, long, String, IntFunction)} with the manifest's chunk list, size and
     * hash.
     *
     * @param manifest the manifest of the checkpoint
     * @param chunkData the bytes of each chunk by index (null when absent)
     * @return the verified blob
     * @throws CheckpointVerificationException naming the failed check
     */
    public static byte[] reassemble(CheckpointManifest manifest, IntFunction<byte[]> chunkData)
            throws CheckpointVerificationException {
        return reassemble(manifest.getChunks(), manifest.getTotalBytes(), manifest.getSha256(), chunkData);
    }

    /**
     * Joins chunks and verifies, in this order: references numbered 0..n-1; their sizes add up to
     * {@code totalBytes}; each chunk is present, of its declared size and of its declared SHA-256;
     * the whole blob has {@code sha256}.
     *
     * @param refs the chunk references, in order
     * @param totalBytes declared size of the blob
     * @param sha256 declared lower-case hex SHA-256 of the blob
     * @param chunkData the bytes of each chunk by index (null when absent)
     * @return the verified blob
     * @throws CheckpointVerificationException naming the failed check
     */
    public static byte[] reassemble(List<ChunkRef> refs, long totalBytes, String sha256, IntFunction<byte[]> chunkData)
            throws CheckpointVerificationException {
        long sum = 0;
        for (int i = 0; i < refs.size(); i++) {
            ChunkRef ref = refs.get(i);
            if (ref.getIndex() != i) {
                throw new CheckpointVerificationException(
                        Failure.MISSING_CHUNK, i, "reference " + i + " has index " + ref.getIndex());
            }
            if (ref.getSizeBytes() < 0) {
                throw new CheckpointVerificationException(
                        Failure.CHUNK_SIZE_MISMATCH, i, "negative size " + ref.getSizeBytes());
            }
            sum += ref.getSizeBytes();
        }
        if (sum != totalBytes || totalBytes > Integer.MAX_VALUE - 16) {
            throw new CheckpointVerificationException(
                    Failure.SIZE_MISMATCH, -1, "chunks add up to " + sum + " bytes, the blob is declared " + totalBytes);
        }
        byte[] blob = new byte[(int) totalBytes];
        int off = 0;
        MessageDigest whole = newSha256();
        for (ChunkRef ref : refs) {
            int i = ref.getIndex();
            byte[] data = chunkData.apply(i);
            if (data == null) {
                throw new CheckpointVerificationException(Failure.MISSING_CHUNK, i, "chunk " + i + " is absent");
            }
            if (data.length != ref.getSizeBytes()) {
                throw new CheckpointVerificationException(
                        Failure.CHUNK_SIZE_MISMATCH, i, "chunk has " + data.length + " bytes, declared " + ref.getSizeBytes());
            }
            String actual = sha256Hex(data);
            if (!actual.equalsIgnoreCase(ref.getSha256())) {
                throw new CheckpointVerificationException(
                        Failure.CHUNK_SHA_MISMATCH, i, "chunk SHA-256 is " + actual + ", declared " + ref.getSha256());
            }
            System.arraycopy(data, 0, blob, off, data.length);
            whole.update(data);
            off += data.length;
        }
        String actual = HexFormat.of().formatHex(whole.digest());
        if (!actual.equalsIgnoreCase(sha256)) {
            throw new CheckpointVerificationException(
                    Failure.WHOLE_SHA_MISMATCH, -1, "blob SHA-256 is " + actual + ", declared " + sha256);
        }
        return blob;
    }

    /**
     * {@link #verify(List, long, String, byte[])} with the manifest's chunk list, size and hash.
     *
     * @param manifest the manifest of the checkpoint
     * @param blob the whole blob as read back
     * @throws CheckpointVerificationException naming the failed check
     */
    public static void verify(CheckpointManifest manifest, byte[] blob) throws CheckpointVerificationException {
        verify(manifest.getChunks(), manifest.getTotalBytes(), manifest.getSha256(), blob);
    }

    /**
     * The checks of {@link #reassemble(List, long, String, IntFunction)} on a blob that is already in one piece,
     * without copying it: references numbered 0..n-1; their sizes add up to {@code totalBytes}, which is the blob's
     * length; each chunk's range has its declared SHA-256; the whole blob has {@code sha256}.
     *
     * @param refs the chunk references, in order
     * @param totalBytes declared size of the blob
     * @param sha256 declared lower-case hex SHA-256 of the blob
     * @param blob the bytes
     * @throws CheckpointVerificationException naming the failed check
     */
    public static void verify(List<ChunkRef> refs, long totalBytes, String sha256, byte[] blob)
            throws CheckpointVerificationException {
        long sum = 0;
        for (int i = 0; i < refs.size(); i++) {
            ChunkRef ref = refs.get(i);
            if (ref.getIndex() != i) {
                throw new CheckpointVerificationException(
                        Failure.MISSING_CHUNK, i, "reference " + i + " has index " + ref.getIndex());
            }
            if (ref.getSizeBytes() < 0) {
                throw new CheckpointVerificationException(
                        Failure.CHUNK_SIZE_MISMATCH, i, "negative size " + ref.getSizeBytes());
            }
            sum += ref.getSizeBytes();
        }
        if (sum != totalBytes || blob.length != totalBytes) {
            throw new CheckpointVerificationException(Failure.SIZE_MISMATCH, -1, "chunks add up to " + sum
                    + " bytes, the blob is declared " + totalBytes + " and has " + blob.length);
        }
        MessageDigest chunk = newSha256();
        MessageDigest whole = newSha256();
        int off = 0;
        for (ChunkRef ref : refs) {
            int len = (int) ref.getSizeBytes();
            chunk.update(blob, off, len);
            String actual = HexFormat.of().formatHex(chunk.digest());
            if (!actual.equalsIgnoreCase(ref.getSha256())) {
                throw new CheckpointVerificationException(Failure.CHUNK_SHA_MISMATCH, ref.getIndex(),
                        "chunk SHA-256 is " + actual + ", declared " + ref.getSha256());
            }
            whole.update(blob, off, len);
            off += len;
        }
        String actual = HexFormat.of().formatHex(whole.digest());
        if (!actual.equalsIgnoreCase(sha256)) {
            throw new CheckpointVerificationException(
                    Failure.WHOLE_SHA_MISMATCH, -1, "blob SHA-256 is " + actual + ", declared " + sha256);
        }
    }

    /**
     * @param data bytes
     * @return their lower-case hex SHA-256
     */
    public static String sha256Hex(byte[] data) {
        return HexFormat.of().formatHex(newSha256().digest(data));
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
