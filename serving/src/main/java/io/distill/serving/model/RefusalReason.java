package io.distill.serving.model;

/** Why a checkpoint version was not swapped in. All but {@link #FETCH_FAILED} are final for that version. */
public enum RefusalReason {
    /** The blob's size differs from the manifest's totalBytes (e.g. truncated). */
    SIZE_MISMATCH,
    /** The whole blob's SHA-256 differs from the manifest's. */
    CHECKSUM_MISMATCH,
    /** A chunk's size or SHA-256 differs from its ChunkRef (e.g. flipped bytes). */
    CHUNK_MISMATCH,
    /** The model's label space is not the one this server answers in. */
    LABEL_SPACE_MISMATCH,
    /** The model's input is not the one this server's clients send. */
    INPUT_SHAPE_MISMATCH,
    /** The blob verified but could not be decoded as a checkpoint container, or its parameters do not fit. */
    UNREADABLE_CHECKPOINT,
    /** The manifest names a blob store this server cannot open (unknown scheme, malformed URI). */
    UNKNOWN_BLOB_STORE,
    /** The manifest's architecture cannot be built. */
    UNKNOWN_ARCHITECTURE,
    /** The warm-up inference failed or gave an invalid output. */
    WARMUP_FAILED,
    /** The blob store could not be read; retried later. */
    FETCH_FAILED;

    public boolean isFinal() {
        return this != FETCH_FAILED;
    }
}
