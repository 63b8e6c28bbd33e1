package io.distill.core.checkpoint.store;

import io.distill.schema.ChunkRef;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Chunks as files in a directory: {@code <root>/<model>/<version>/chunk-<index>}, each written to a temporary file
 * and renamed into place so that a reader never sees half a chunk. Locations in manifests are paths relative to the
 * root, so a directory can be moved or mounted elsewhere.
 */
public final class FileBlobStore implements BlobStore {

    /** Files have no message-size limit; chunks are still bounded so that readers stream them. */
    public static final int DEFAULT_MAX_CHUNK_BYTES = 8 * 1024 * 1024;

    private final Path root;
    private final int maxChunkBytes;

    public FileBlobStore(Path root) {
        this(root, DEFAULT_MAX_CHUNK_BYTES);
    }

    public FileBlobStore(Path root, int maxChunkBytes) {
        this.root = root.toAbsolutePath().normalize();
        this.maxChunkBytes = maxChunkBytes;
    }

    public Path root() {
        return root;
    }

    @Override
    public String uri() {
        return root.toUri().toString();
    }

    @Override
    public int maxChunkBytes() {
        return maxChunkBytes;
    }

    @Override
    public List<ChunkRef> put(String model, long version, List<byte[]> chunks) throws IOException {
        Path dir = versionDir(model, version);
        Files.createDirectories(dir);
        List<ChunkRef> refs = new ArrayList<>(chunks.size());
        for (int i = 0; i < chunks.size(); i++) {
            byte[] chunk = chunks.get(i);
            if (chunk.length > maxChunkBytes) {
                throw new IllegalArgumentException("chunk " + i + " has " + chunk.length + " bytes, more than "
                        + maxChunkBytes);
            }
            Path target = dir.resolve(String.format("chunk-%05d", i));
            Path tmp = Files.createTempFile(dir, "chunk-", ".tmp");
            Files.write(tmp, chunk);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            refs.add(ChunkDigests.reference(i, chunk, root.relativize(target).toString()));
        }
        return refs;
    }

    @Override
    public byte[] get(String model, long version, List<ChunkRef> chunks) throws IOException {
        ChunkDigests.checkOrder(chunks);
        List<byte[]> parts = new ArrayList<>(chunks.size());
        for (ChunkRef ref : chunks) {
            Path file = root.resolve(ref.getLocation()).normalize();
            if (!file.startsWith(root)) {
                throw new BlobIntegrityException("chunk location escapes the store: " + ref.getLocation());
            }
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(file);
            } catch (NoSuchFileException e) {
                bytes = null;
            }
            ChunkDigests.verify(model, version, ref, bytes);
            parts.add(bytes);
        }
        return ChunkDigests.concat(parts);
    }

    @Override
    public void retire(String model, long version, List<ChunkRef> chunks) throws IOException {
        Path dir = versionDir(model, version);
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Override
    public void close() {
    }

    private Path versionDir(String model, long version) {
        ManifestKeys.manifestKey(model, version);
        return root.resolve(model).resolve(Long.toString(version));
    }
}
