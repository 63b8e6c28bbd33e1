package io.distill.core.checkpoint.store;

import io.distill.schema.ChunkRef;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/** SHA-256 of chunks and the checks every store applies to what it reads back. */
final class ChunkDigests {

    private ChunkDigests() {
    }

    static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    static ChunkRef reference(int index, byte[] chunk, String location) {
        return ChunkRef.newBuilder()
                .setIndex(index)
                .setSizeBytes(chunk.length)
                .setSha256(sha256Hex(chunk))
                .setLocation(location)
                .build();
    }

    static void verify(String model, long version, ChunkRef ref, byte[] chunk) throws BlobIntegrityException {
        if (chunk == null) {
            throw new BlobIntegrityException(model + ":" + version + " chunk " + ref.getIndex() + " is missing at "
                    + ref.getLocation());
        }
        if (chunk.length != ref.getSizeBytes()) {
            throw new BlobIntegrityException(model + ":" + version + " chunk " + ref.getIndex() + " has "
                    + chunk.length + " bytes, manifest says " + ref.getSizeBytes());
        }
        String actual = sha256Hex(chunk);
        if (!actual.equals(ref.getSha256())) {
            throw new BlobIntegrityException(model + ":" + version + " chunk " + ref.getIndex() + " SHA-256 " + actual
                    + " differs from manifest " + ref.getSha256());
        }
    }

    static void checkOrder(List<ChunkRef> chunks) {
        for (int i = 0; i < chunks.size(); i++) {
            if (chunks.get(i).getIndex() != i) {
                throw new IllegalArgumentException("chunk references out of order: position " + i + " has index "
                        + chunks.get(i).getIndex());
            }
        }
    }

    static byte[] concat(List<byte[]> parts) {
        long total = 0;
        for (byte[] p : parts) {
            total += p.length;
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("blob of " + total + " bytes is too large");
        }
        byte[] out = new byte[(int) total];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
