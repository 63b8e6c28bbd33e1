package io.distill.cli.faults;

import io.distill.core.checkpoint.Checkpoint;
import io.distill.core.checkpoint.CheckpointReader;
import io.distill.core.checkpoint.ChunkedBlob;
import io.distill.core.checkpoint.store.KafkaBlobStore;
import io.distill.schema.CheckpointManifest;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Verifies a published checkpoint the way a subscriber would: fetches its chunks from the blob topic
 * ({@code read_committed}), checks the blob's size and SHA-256 and every chunk's against the manifest, parses it with
 * core's {@link CheckpointReader}, and checks that it declares the manifest's parameter count and input shape.
 */
public final class PublishedCheckpointCheck implements PipelineVerifier.CheckpointCheck, AutoCloseable {

    private final KafkaBlobStore store;

    public PublishedCheckpointCheck(String blobTopic, Map<String, Object> clientProperties, Map<String, Object> blobOverrides) {
        Map<String, Object> props = new HashMap<>(clientProperties);
        props.putAll(blobOverrides);
        this.store = KafkaBlobStore.reader(blobTopic, props);
    }

    @Override
    public void verify(CheckpointManifest manifest) throws Exception {
        byte[] blob = store.get(manifest.getModelName().toString(), manifest.getVersion(), manifest.getChunks());
        ChunkedBlob.verify(manifest, blob);
        Checkpoint checkpoint = CheckpointReader.read(blob);
        if (checkpoint.parameterCount() != manifest.getArchitecture().getParameterCount()) {
            throw new IllegalStateException("the blob holds " + checkpoint.parameterCount()
                    + " parameters, the manifest declares " + manifest.getArchitecture().getParameterCount());
        }
        int[] declared = manifest.getInputShape().stream().mapToInt(Integer::intValue).toArray();
        if (!Arrays.equals(declared, checkpoint.inputShape())) {
            throw new IllegalStateException("the blob's input shape " + Arrays.toString(checkpoint.inputShape())
                    + " differs from the manifest's " + Arrays.toString(declared));
        }
    }

    @Override
    public void close() {
        store.close();
    }
}
