package io.distill.serving.testing;

import io.distill.core.architecture.ArchitectureSpec;
import io.distill.core.checkpoint.ChunkedBlob;
import io.distill.core.dataset.FashionMnist;
import io.distill.schema.CheckpointManifest;
import io.distill.schema.LabelSpace;
import io.distill.serving.model.BlobSource;
import io.distill.serving.model.CheckpointRefusedException;
import io.distill.serving.model.RefusalReason;
import io.distill.serving.model.StoreBlobSource;
import io.distill.serving.publish.SyntheticCheckpoint;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Real checkpoints (small DJL MLPs in core's container format) held in memory, with a {@link BlobSource} that serves
 * their stored bytes and verifies them like the production source. Stored bytes can be corrupted per version.
 */
public final class InMemoryCheckpoints implements BlobSource {

    public static final int[] INPUT_SHAPE = {784};
    public static final ArchitectureSpec SMALL_MLP = ArchitectureSpec.mlp(List.of(16), 0.0);

    private final Map<Long, byte[]> stored = new ConcurrentHashMap<>();
    private final AtomicInteger fetches = new AtomicInteger();
    private SyntheticCheckpoint template;

    public static LabelSpace fashionLabels() {
        return LabelSpace.newBuilder().setId(FashionMnist.LABEL_SPACE_ID).setVersion(FashionMnist.LABEL_SPACE_VERSION)
                .setClassNames(new ArrayList<>(FashionMnist.CLASS_NAMES)).build();
    }

    /** A manifest of a real small network for {@code model} {@code version}, its blob stored here. */
    public CheckpointManifest publish(String model, long version) {
        return publish(model, version, fashionLabels());
    }

    public CheckpointManifest publish(String model, long version, LabelSpace labels) {
        SyntheticCheckpoint checkpoint = labels.equals(fashionLabels()) ? template() :
                SyntheticCheckpoint.create(SMALL_MLP, INPUT_SHAPE, labels);
        byte[] blob = checkpoint.blob();
        ChunkedBlob chunked = ChunkedBlob.split(blob, 4096);
        stored.put(version, blob);
        return checkpoint.manifest(model, version, "memory:",
                chunked.chunkRefs(i -> model + ":" + version + ":" + i));
    }

    private synchronized SyntheticCheckpoint template() {
        if (template == null) {
            template = SyntheticCheckpoint.create(SMALL_MLP, INPUT_SHAPE, fashionLabels());
        }
        return template;
    }

    /** Flips one byte of the stored blob of {@code version}. */
    public void flipByte(long version, int at) {
        stored.get(version)[at] ^= 0x5A;
    }

    /** Cuts the stored blob of {@code version} to {@code length} bytes. */
    public void truncate(long version, int length) {
        stored.put(version, java.util.Arrays.copyOf(stored.get(version), length));
    }

    public int fetches() {
        return fetches.get();
    }

    @Override
    public byte[] fetch(CheckpointManifest manifest) throws CheckpointRefusedException {
        fetches.incrementAndGet();
        byte[] blob = stored.get(manifest.getVersion());
        if (blob == null) {
            throw new CheckpointRefusedException(RefusalReason.FETCH_FAILED, "no blob for v" + manifest.getVersion());
        }
        return StoreBlobSource.verify(manifest, blob.clone());
    }
}
