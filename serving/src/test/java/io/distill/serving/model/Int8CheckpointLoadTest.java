package io.distill.serving.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.distill.core.architecture.ArchitectureFactory;
import io.distill.core.architecture.ArchitectureSpec;
import io.distill.core.checkpoint.BlockParameters;
import io.distill.core.checkpoint.Checkpoint;
import io.distill.core.checkpoint.CheckpointFormat;
import io.distill.core.checkpoint.CheckpointReader;
import io.distill.core.checkpoint.CheckpointWriter;
import io.distill.core.checkpoint.ChunkedBlob;
import io.distill.core.dataset.FashionMnist;
import io.distill.schema.CheckpointManifest;
import io.distill.schema.LabelSpace;
import io.distill.schema.Precision;
import io.distill.serving.testing.Manifests;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Serving loads an int8 container into the float network and says so; the answers are the dequantized network's. */
class Int8CheckpointLoadTest {

    private static final ArchitectureSpec SPEC = ArchitectureSpec.mlp(List.of(32), 0.0);
    private static final LabelSpace LABELS = LabelSpace.newBuilder().setId(FashionMnist.LABEL_SPACE_ID)
            .setVersion(FashionMnist.LABEL_SPACE_VERSION).setClassNames(new ArrayList<>(FashionMnist.CLASS_NAMES))
            .build();

    private static CheckpointManifest manifest(byte[] blob, Precision precision) {
        CheckpointManifest m = Manifests.manifest("student", 1, FashionMnist.LABEL_SPACE_ID,
                FashionMnist.LABEL_SPACE_VERSION, List.of(784));
        m.setArchitecture(SPEC.toAvro(new int[]{784}, 10));
        m.setFormat(CheckpointFormat.containerFormat(precision));
        m.setTotalBytes(blob.length);
        m.setSha256(ChunkedBlob.sha256Hex(blob));
        return m;
    }

    @Test
    void int8ContainerLoadsReportsItsPrecisionAndAnswersLikeTheDequantizedNetwork() throws Exception {
        byte[] int8;
        byte[] float32;
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            Block block = ArchitectureFactory.buildInitialized(SPEC, new int[]{784}, 10, manager);
            Checkpoint c = Checkpoint.builder().architecture(SPEC).inputShape(784).labelSpace(LABELS)
                    .parameters(BlockParameters.export(block)).build();
            int8 = CheckpointWriter.write(c, Precision.INT8);
            float32 = CheckpointWriter.write(c);
        }
        assertTrue(int8.length * 3.5 < float32.length, int8.length + " vs " + float32.length);
        ServingContract contract = ServingContract.parse("fashion-mnist:1", List.of(), "784");
        CheckpointLoader loader = new CheckpointLoader(contract, m -> int8, new CoreNetworkRestorer(Device.cpu()));
        LoadedModel model = loader.load(manifest(int8, Precision.INT8));
        try {
            assertEquals(Precision.INT8, model.precision());
            float[][] inputs = new float[3][784];
            for (int i = 0; i < 784; i++) {
                inputs[1][i] = (i % 28) / 28f;
                inputs[2][i] = (i / 28) / 28f;
            }
            float[][] served = model.predict(inputs);
            try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
                Block reference = BlockParameters.buildAndLoad(CheckpointReader.read(int8), manager);
                NDArray x = manager.create(new float[][]{inputs[0], inputs[1], inputs[2]});
                float[] expected = reference.forward(new ParameterStore(manager, false), new NDList(x), false)
                        .singletonOrThrow().softmax(1).toFloatArray();
                for (int r = 0; r < 3; r++) {
                    for (int k = 0; k < 10; k++) {
                        assertEquals(expected[r * 10 + k], served[r][k], 1e-5f, "row " + r + " class " + k);
                    }
                }
            }
        } finally {
            model.discard();
        }
    }

    @Test
    void aManifestThatMisstatesThePrecisionIsRefused() {
        byte[] int8;
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            Block block = ArchitectureFactory.buildInitialized(SPEC, new int[]{784}, 10, manager);
            int8 = CheckpointWriter.write(Checkpoint.builder().architecture(SPEC).inputShape(784).labelSpace(LABELS)
                    .parameters(BlockParameters.export(block)).build(), Precision.INT8);
        }
        ServingContract contract = ServingContract.parse("fashion-mnist:1", List.of(), "784");
        CheckpointLoader loader = new CheckpointLoader(contract, m -> int8, new CoreNetworkRestorer(Device.cpu()));
        CheckpointRefusedException e = assertThrows(CheckpointRefusedException.class,
                () -> loader.load(manifest(int8, Precision.FLOAT32)));
        assertEquals(RefusalReason.UNREADABLE_CHECKPOINT, e.reason());
        assertTrue(e.getMessage().contains("INT8"), e.getMessage());
    }
}
