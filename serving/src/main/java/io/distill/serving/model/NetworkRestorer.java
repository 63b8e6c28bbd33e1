package io.distill.serving.model;

import ai.djl.Model;
import io.distill.schema.CheckpointManifest;

/** Builds the network a manifest declares and loads a verified checkpoint blob's parameters into it. */
@FunctionalInterface
public interface NetworkRestorer {

    /**
     * A DJL model holding the checkpoint's network and parameters; the caller owns (and closes) it.
     *
     * @throws CheckpointRefusedException when the architecture is unknown or the blob does not decode into it
     */
    Model restore(CheckpointManifest manifest, byte[] blob) throws CheckpointRefusedException;
}
