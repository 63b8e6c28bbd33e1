package io.distill.core.checkpoint;

import io.distill.core.checkpoint.CheckpointVerificationException.Failure;
import io.distill.schema.ChunkRef;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ChunkedBlobVerifyTest {

    private static final byte[] BLOB = new byte[10_000];

    static {
        new Random(3).nextBytes(BLOB);
    }

    private static Failure failure(List<ChunkRef> refs, long total, String sha, byte[] blob) {
        return assertThrows(CheckpointVerificationException.class, () -> ChunkedBlob.verify(refs, total, sha, blob))
                .failure();
    }

    @Test
    void anAssembledBlobPassesTheChecksOfReassemblyWithoutBeingCopied() throws Exception {
        ChunkedBlob chunked = ChunkedBlob.split(BLOB, 3_000);
        List<ChunkRef> refs = chunked.chunkRefs(i -> "m:1:" + i);
        byte[] blob = BLOB.clone();
        ChunkedBlob.verify(refs, chunked.totalBytes(), chunked.sha256(), blob);
        assertArrayEquals(BLOB, blob);
        ChunkedBlob.verify(List.of(), 0, ChunkedBlob.sha256Hex(new byte[0]), new byte[0]);
    }

    @Test
    void verificationNamesWhatFailedAsReassemblyDoes() {
        ChunkedBlob chunked = ChunkedBlob.split(BLOB, 3_000);
        List<ChunkRef> refs = chunked.chunkRefs(i -> "m:1:" + i);
        long total = chunked.totalBytes();
        String sha = chunked.sha256();

        byte[] corrupt = BLOB.clone();
        corrupt[6_017] ^= 0x40;
        CheckpointVerificationException e = assertThrows(CheckpointVerificationException.class,
                () -> ChunkedBlob.verify(refs, total, sha, corrupt));
        assertEquals(Failure.CHUNK_SHA_MISMATCH, e.failure());
        assertEquals(2, e.chunkIndex());

        assertEquals(Failure.SIZE_MISMATCH, failure(refs, total + 1, sha, BLOB));
        assertEquals(Failure.SIZE_MISMATCH, failure(refs, total, sha, java.util.Arrays.copyOf(BLOB, BLOB.length - 1)));
        assertEquals(Failure.WHOLE_SHA_MISMATCH, failure(refs, total, ChunkedBlob.sha256Hex(new byte[]{1}), BLOB));
        List<ChunkRef> swapped = new ArrayList<>(refs);
        Collections.swap(swapped, 0, 1);
        assertEquals(Failure.MISSING_CHUNK, failure(swapped, total, sha, BLOB));
        // chunk boundaries that differ from the writer's (sizes still adding up) fail on the chunk digests
        List<ChunkRef> shifted = new ArrayList<>(refs);
        shifted.set(0, ChunkRef.newBuilder(refs.get(0)).setSizeBytes(2_999).build());
        shifted.set(1, ChunkRef.newBuilder(refs.get(1)).setSizeBytes(3_001).build());
        assertEquals(Failure.CHUNK_SHA_MISMATCH, failure(shifted, total, sha, BLOB));
        List<ChunkRef> negative = new ArrayList<>(refs);
        negative.set(0, ChunkRef.newBuilder(refs.get(0)).setSizeBytes(-1).build());
        assertEquals(Failure.CHUNK_SIZE_MISMATCH, failure(negative, total, sha, BLOB));
    }
}
