package io.distill.serving.publish;

import ai.djl.Model;
import ai.djl.nn.Block;
import io.distill.core.architecture.ArchitectureFactory;
import io.distill.core.architecture.ArchitectureSpec;
import io.distill.core.checkpoint.BlockParameters;
import io.distill.core.checkpoint.Checkpoint;
import io.distill.core.checkpoint.CheckpointFormat;
import io.distill.core.checkpoint.CheckpointWriter;
import io.distill.core.checkpoint.ChunkedBlob;
import io.distill.schema.CheckpointManifest;
import io.distill.schema.ChunkRef;
import io.distill.schema.LabelSpace;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A real checkpoint of a freshly initialised network, written with core's container format and described by a
 * manifest: what the swap benchmark and the tests publish when no trainer runs. The network is built by core's
 * architecture factory exactly as the trainer builds it, so serving restores it through the production path.
 */
public final class SyntheticCheckpoint {

    private final ArchitectureSpec spec;
    private final int[] inputShape;
    private final LabelSpace labelSpace;
    private final byte[] blob;

    private SyntheticCheckpoint(ArchitectureSpec spec, int[] inputShape, LabelSpace labelSpace, byte[] blob) {
        this.spec = spec;
        this.inputShape = inputShape.clone();
        this.labelSpace = labelSpace;
        this.blob = blob;
    }

    /** Builds and initialises the network and writes it into a container blob. */
    public static SyntheticCheckpoint create(ArchitectureSpec spec, int[] inputShape, LabelSpace labelSpace) {
        int numClasses = labelSpace.getClassNames().size();
        try (Model model = Model.newInstance("synthetic")) {
            Block block = ArchitectureFactory.buildInitialized(spec, inputShape, numClasses, model.getNDManager());
            Checkpoint checkpoint = Checkpoint.builder()
                    .architecture(spec)
                    .inputShape(inputShape)
                    .labelSpace(labelSpace)
                    .numClasses(numClasses)
                    .parameters(BlockParameters.export(block))
                    .metadata("origin", "synthetic")
                    .build();
            return new SyntheticCheckpoint(spec, inputShape, labelSpace, CheckpointWriter.write(checkpoint));
        }
    }

    public byte[] blob() {
        return blob.clone();
    }

    public int size() {
        return blob.length;
    }

    /** The blob cut into chunks of at most {@code chunkBytes}. */
    public List<byte[]> chunks(int chunkBytes) {
        List<byte[]> out = new ArrayList<>();
        for (ChunkedBlob.Chunk c : ChunkedBlob.split(blob, chunkBytes).chunks()) {
            out.add(c.data());
        }
        return out;
    }

    /** The manifest of this blob as {@code model} {@code version}, stored in {@code blobStore} as {@code chunks}. */
    public CheckpointManifest manifest(String model, long version, String blobStore, List<ChunkRef> chunks) {
        int numClasses = labelSpace.getClassNames().size();
        List<Integer> shape = new ArrayList<>();
        Arrays.stream(inputShape).forEach(shape::add);
        return CheckpointManifest.newBuilder()
                .setModelName(model)
                .setVersion(version)
                .setParentVersion(version > 1 ? version - 1 : null)
                .setCreatedAt(Instant.now())
                .setArchitecture(spec.toAvro(inputShape, numClasses))
                .setInputShape(shape)
                .setLabelSpace(LabelSpace.newBuilder(labelSpace).build())
                .setStep(version * 100)
                .setSamplesSeen(version * 100 * 64)
                .setMetrics(Map.of())
                .setFormat(CheckpointFormat.containerFormat())
                .setTotalBytes(blob.length)
                .setSha256(ChunkedBlob.sha256Hex(blob))
                .setBlobStore(blobStore)
                .setChunks(new ArrayList<>(chunks))
                .setCodeVersion("synthetic")
                .setConfigHash("")
                .setSeed(0)
                .build();
    }
}
