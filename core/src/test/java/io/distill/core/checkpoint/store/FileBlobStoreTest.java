package io.distill.core.checkpoint.store;

import io.distill.schema.ChunkRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileBlobStoreTest {

    @TempDir
    Path dir;

    private static List<byte[]> chunksOf(byte[] blob, int size) {
        List<byte[]> chunks = new ArrayList<>();
        for (int off = 0; off < blob.length; off += size) {
            chunks.add(Arrays.copyOfRange(blob, off, Math.min(blob.length, off + size)));
        }
        return chunks;
    }

    @Test
    void storesAndReadsBackAMultiMegabyteBlob() throws Exception {
        byte[] blob = new byte[3 * 1024 * 1024 + 17];
        new Random(1).nextBytes(blob);
        try (FileBlobStore store = new FileBlobStore(dir, 1024 * 1024)) {
            List<ChunkRef> refs = store.put("m", 1, chunksOf(blob, 1024 * 1024));
            assertEquals(4, refs.size());
            assertEquals("m/1/chunk-00000", refs.get(0).getLocation());
            assertEquals(17, refs.get(3).getSizeBytes());
            assertArrayEquals(blob, store.get("m", 1, refs));
        }
    }

    @Test
    void opensByUriFromAnotherProcessView() throws Exception {
        byte[] blob = "parameters".getBytes();
        List<ChunkRef> refs;
        String uri;
        try (FileBlobStore store = new FileBlobStore(dir)) {
            refs = store.put("m", 2, List.of(blob));
            uri = store.uri();
        }
        try (BlobStore reader = BlobStores.openForReading(uri, java.util.Map.of())) {
            assertArrayEquals(blob, reader.get("m", 2, refs));
        }
    }

    @Test
    void detectsACorruptedChunk() throws Exception {
        try (FileBlobStore store = new FileBlobStore(dir)) {
            List<ChunkRef> refs = store.put("m", 1, List.of(new byte[]{1, 2, 3}, new byte[]{4, 5}));
            Files.write(dir.resolve(refs.get(1).getLocation()), new byte[]{4, 6});
            BlobIntegrityException e = assertThrows(BlobIntegrityException.class, () -> store.get("m", 1, refs));
            assertTrue(e.getMessage().contains("SHA-256"), e.getMessage());
        }
    }

    @Test
    void detectsAMissingChunkAndARetiredVersion() throws Exception {
        try (FileBlobStore store = new FileBlobStore(dir)) {
            List<ChunkRef> refs = store.put("m", 1, List.of(new byte[]{1}));
            store.retire("m", 1, refs);
            assertFalse(Files.exists(dir.resolve("m/1")));
            assertThrows(BlobIntegrityException.class, () -> store.get("m", 1, refs));
        }
    }

    @Test
    void refusesLocationsOutsideTheRoot() throws Exception {
        try (FileBlobStore store = new FileBlobStore(dir)) {
            ChunkRef evil = ChunkRef.newBuilder().setIndex(0).setSizeBytes(1).setSha256("00")
                    .setLocation("../../etc/passwd").build();
            assertThrows(BlobIntegrityException.class, () -> store.get("m", 1, List.of(evil)));
        }
    }

    @Test
    void unknownUriSchemeIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> BlobStores.openForReading("s3://bucket/x", java.util.Map.of()));
    }
}
