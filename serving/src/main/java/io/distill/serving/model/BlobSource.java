package io.distill.serving.model;

import io.distill.schema.CheckpointManifest;

/** Reads a checkpoint's blob from the store its manifest names, verified against the manifest. */
@FunctionalInterface
public interface BlobSource {

    /**
     * The whole blob, its size and SHA-256 (whole and per chunk) checked against {@code manifest}.
     *
     * @throws CheckpointRefusedException with {@link RefusalReason#FETCH_FAILED} when the store cannot be read, or a
     *                                    final reason when the bytes do not match the manifest
     */
    byte[] fetch(CheckpointManifest manifest) throws CheckpointRefusedException;
}
