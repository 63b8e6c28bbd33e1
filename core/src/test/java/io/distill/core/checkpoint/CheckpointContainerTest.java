package io.distill.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.distill.core.architecture.ArchitectureFactory;
import io.distill.core.architecture.ArchitectureSpec;
import io.distill.schema.LabelSpace;
import io.distill.schema.Precision;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CheckpointContainerTest {

    private static final int[] INPUT = {4};
    private static final int CLASSES = 3;
    private static final ArchitectureSpec SPEC = ArchitectureSpec.mlp(List.of(8), 0.0);
    private static final LabelSpace LABELS =
            LabelSpace.newBuilder().setId("toy").setVersion(2).setClassNames(List.of("a", "b", "c")).build();

    private static NDManager manager;
    private static Block trained;
    private static float[] probe;

    @BeforeAll
    static void trainABit() {
        manager = NDManager.newBaseManager();
        trained = ArchitectureFactory.build(SPEC, INPUT, CLASSES);
        Model model = Model.newInstance("ckpt-test");
        model.setBlock(trained);
        DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.5f)).build());
        try (Trainer trainer = model.newTrainer(config)) {
            trainer.initialize(ArchitectureFactory.batchShape(6, INPUT));
            for (int step = 0; step < 5; step++) {
                try (NDManager batch = manager.newSubManager()) {
                    NDArray x = batch.arange(24f).reshape(6, 4).div(24f);
                    NDArray y = batch.create(new float[] {0, 1, 2, 0, 1, 2});
                    try (GradientCollector gc = trainer.newGradientCollector()) {
                        NDArray logits = trainer.forward(new NDList(x)).singletonOrThrow();
                        NDArray loss = trainer.getLoss().evaluate(new NDList(y), new NDList(logits));
                        gc.backward(loss);
                    }
                    trainer.step();
                }
            }
        }
        probe = new float[] {0.1f, -0.4f, 0.9f, 0.3f, 1.2f, 0.0f, -0.7f, 0.5f};
        // the model keeps the block's arrays; it is not closed so that they stay usable
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    private static float[] outputs(Block block) {
        try (NDManager sub = manager.newSubManager()) {
            NDArray x = sub.create(probe).reshape(2, 4);
            return block.forward(new ParameterStore(sub, false), new NDList(x), false).singletonOrThrow().toFloatArray();
        }
    }

    private static OptimizerState adamLikeState(List<NamedTensor> params) {
        Map<String, NamedTensor> tensors = new java.util.TreeMap<>();
        Map<String, Long> counters = new java.util.TreeMap<>();
        for (NamedTensor p : params) {
            float[] m = p.data().clone();
            float[] v = new float[p.size()];
            Arrays.fill(v, 0.125f);
            tensors.put(p.name() + "/m", new NamedTensor(p.name() + "/m", p.shape(), m));
            tensors.put(p.name() + "/v", new NamedTensor(p.name() + "/v", p.shape(), v));
            counters.put(p.name() + "/step", 5L);
        }
        return new OptimizerState("adamw", 5, counters, tensors, Map.of("beta1", "0.9"));
    }

    private static Checkpoint checkpoint() {
        List<NamedTensor> params = BlockParameters.export(trained);
        return Checkpoint.builder()
                .architecture(SPEC)
                .inputShape(INPUT)
                .labelSpace(LABELS)
                .parameters(params)
                .optimizerState(adamLikeState(params))
                .metadata("step", "5")
                .metadata("trainer", "unit-test ✓")
                .build();
    }

    @Test
    void roundTripGivesIdenticalOutputsInAFreshNetwork() throws Exception {
        Checkpoint original = checkpoint();
        byte[] blob = CheckpointWriter.write(original);
        assertArrayEquals(blob, CheckpointWriter.write(original), "writing is deterministic");

        Checkpoint read = CheckpointReader.read(blob);
        assertEquals(SPEC, read.architecture());
        assertArrayEquals(INPUT, read.inputShape());
        assertEquals(LABELS, read.labelSpace());
        assertEquals(CLASSES, read.numClasses());
        assertEquals(original.parameters(), read.parameters());
        // 4*8+8 + 8*3+3 = 40 + 27
        assertEquals(67, read.parameterCount());
        assertEquals(original.optimizerState(), read.optimizerState());
        assertEquals(Map.of("step", "5", "trainer", "unit-test ✓"), read.metadata());

        Block fresh = BlockParameters.buildAndLoad(read, manager);
        float[] expected = outputs(trained);
        assertArrayEquals(expected, outputs(fresh));
        // and the fresh network was not already equal by accident
        Block untrained = ArchitectureFactory.buildInitialized(SPEC, INPUT, CLASSES, manager);
        assertFalse(Arrays.equals(expected, outputs(untrained)));
    }

    @Test
    void headerLayout() throws Exception {
        byte[] blob = CheckpointWriter.write(checkpoint());
        assertEquals("DSTLCKPT", new String(blob, 0, 8, StandardCharsets.US_ASCII));
        CheckpointReader.Header h = CheckpointReader.readHeader(blob);
        assertEquals(new CheckpointReader.Header(1, 0, 6), h);
        assertEquals("ARCH", new String(blob, 16, 4, StandardCharsets.US_ASCII));
        byte[] sha = MessageDigest.getInstance("SHA-256").digest(Arrays.copyOf(blob, blob.length - 32));
        assertArrayEquals(sha, Arrays.copyOfRange(blob, blob.length - 32, blob.length));
        assertEquals("distill-ckpt", CheckpointFormat.containerFormat().getName());
        assertEquals(1, CheckpointFormat.containerFormat().getVersion());
    }

    @Test
    void withoutOptimizerState() throws Exception {
        Checkpoint c = Checkpoint.builder()
                .architecture(SPEC)
                .inputShape(INPUT)
                .labelSpace(LabelSpace.newBuilder().setId("toy").setVersion(1).build())
                .numClasses(CLASSES)
                .parameters(BlockParameters.export(trained))
                .build();
        Checkpoint read = CheckpointReader.read(CheckpointWriter.write(c));
        assertTrue(read.optimizerState().isEmpty());
        assertEquals(CLASSES, read.numClasses());
        assertTrue(read.labelSpace().getClassNames().isEmpty());
    }

    @Test
    void corruptByteIsRefused() {
        byte[] blob = CheckpointWriter.write(checkpoint());
        blob[blob.length / 2] ^= 0x01;
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> CheckpointReader.read(blob));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
    }

    @Test
    void unknownVersionIsRefused() {
        byte[] blob = CheckpointWriter.write(checkpoint());
        blob[8] = 3; // format version 3, little-endian u16 at offset 8
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> CheckpointReader.read(blob));
        assertTrue(e.getMessage().contains("version 3 is not supported"), e.getMessage());
    }

    @Test
    void int8PrecisionIsRefusedByVersion1() {
        byte[] blob = CheckpointWriter.write(checkpoint());
        blob[10] = 1; // INT8
        resign(blob);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> CheckpointReader.read(blob));
        assertTrue(e.getMessage().contains("INT8"), e.getMessage());
    }

    @Test
    void int8RoundTripStoresWeightsAsInt8AndLoadsIntoAFreshNetwork() throws Exception {
        Checkpoint original = checkpoint();
        byte[] blob = CheckpointWriter.write(original, Precision.INT8);
        assertArrayEquals(blob, CheckpointWriter.write(original, Precision.INT8), "writing is deterministic");
        CheckpointReader.Header header = CheckpointReader.readHeader(blob);
        assertEquals(CheckpointFormat.INT8_VERSION, header.formatVersion());
        assertEquals(1, header.precision());

        Checkpoint read = CheckpointReader.read(blob);
        assertEquals(Precision.INT8, read.precision());
        assertEquals(Precision.FLOAT32, CheckpointReader.read(CheckpointWriter.write(original)).precision());
        assertEquals(original.optimizerState(), read.optimizerState(), "optimizer state stays float32");
        assertEquals(original.metadata(), read.metadata());
        for (int i = 0; i < original.parameters().size(); i++) {
            NamedTensor o = original.parameters().get(i);
            NamedTensor r = read.parameters().get(i);
            assertEquals(o.name(), r.name());
            assertArrayEquals(o.shape(), r.shape());
            if (Int8Weights.quantizable(o)) {
                assertArrayEquals(Int8Weights.quantize(o).dequantize().data(), r.data(), o.name());
                assertFalse(Arrays.equals(o.data(), r.data()), o.name() + " was quantized");
            } else {
                assertArrayEquals(o.data(), r.data(), o.name() + " stays float32");
            }
        }
        Block fresh = BlockParameters.buildAndLoad(read, manager);
        float[] expected = outputs(trained);
        float[] actual = outputs(fresh);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 0.05f, "output " + i + " within quantization error");
        }
    }

    @Test
    void int8ContainerIsAboutAQuarterOfFloat32() {
        List<NamedTensor> params = new java.util.ArrayList<>();
        java.util.Random r = new java.util.Random(3);
        float[] w = new float[256 * 784];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian();
        }
        params.add(new NamedTensor("01Linear_weight", new int[] {256, 784}, w));
        params.add(new NamedTensor("01Linear_bias", new int[] {256}, new float[256]));
        Checkpoint c = Checkpoint.builder().architecture(ArchitectureSpec.mlp(List.of(256), 0.0)).inputShape(784)
                .labelSpace(LABELS).parameters(params).build();
        int f32 = CheckpointWriter.write(c).length;
        int i8 = CheckpointWriter.write(c, Precision.INT8).length;
        double ratio = (double) f32 / i8;
        assertTrue(ratio > 3.9 && ratio <= 4.0, "float32/int8 size ratio " + ratio);
    }

    @Test
    void int8PrecisionOnVersion2OnlyAndTamperedInt8IsRefused() {
        byte[] blob = CheckpointWriter.write(checkpoint(), Precision.INT8);
        byte[] asFloat = blob.clone();
        asFloat[10] = 0; // FLOAT32 precision on a version 2 container
        resign(asFloat);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> CheckpointReader.read(asFloat));
        assertTrue(e.getMessage().contains("FLOAT32 is not supported by format version 2"), e.getMessage());
        byte[] v1 = blob.clone();
        v1[8] = 1; // an int8 body claiming version 1
        resign(v1);
        assertThrows(CheckpointFormatException.class, () -> CheckpointReader.read(v1));
    }

    @Test
    void otherGarbageIsRefused() {
        assertThrows(CheckpointFormatException.class, () -> CheckpointReader.read(new byte[3]));
        assertThrows(CheckpointFormatException.class,
                () -> CheckpointReader.read("NOTACKPT and some more bytes".getBytes(StandardCharsets.US_ASCII)));
        byte[] blob = CheckpointWriter.write(checkpoint());
        assertThrows(CheckpointFormatException.class, () -> CheckpointReader.read(Arrays.copyOf(blob, blob.length - 1)));
        // a section length pointing past the end, with a valid checksum
        byte[] bad = blob.clone();
        ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN).putLong(20, Long.MAX_VALUE / 2);
        resign(bad);
        assertThrows(CheckpointFormatException.class, () -> CheckpointReader.read(bad));
    }

    @Test
    void unknownSectionsAreSkipped() throws Exception {
        byte[] blob = CheckpointWriter.write(checkpoint());
        byte[] extra = "XTRA".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(blob.length + 4 + 8 + 3).order(ByteOrder.LITTLE_ENDIAN);
        b.put(blob, 0, blob.length - 32).put(extra).putLong(3).put(new byte[] {1, 2, 3}).put(new byte[32]);
        byte[] withExtra = b.array();
        ByteBuffer.wrap(withExtra).order(ByteOrder.LITTLE_ENDIAN).putInt(12, 7);
        resign(withExtra);
        assertEquals(checkpoint().parameters(), CheckpointReader.read(withExtra).parameters());
    }

    @Test
    void loadingIntoAnotherNetworkNamesTheMismatch() throws Exception {
        Checkpoint c = checkpoint();
        Block wider = ArchitectureFactory.buildInitialized(ArchitectureSpec.mlp(List.of(9), 0), INPUT, CLASSES, manager);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> BlockParameters.load(wider, c.parameters()));
        assertTrue(e.getMessage().contains("Linear_weight"), e.getMessage());
        Block deeper = ArchitectureFactory.buildInitialized(ArchitectureSpec.mlp(List.of(8, 8), 0), INPUT, CLASSES, manager);
        assertThrows(CheckpointFormatException.class, () -> BlockParameters.load(deeper, c.parameters()));
    }

    @Test
    void chunksReassembleAndVerify() throws Exception {
        byte[] blob = CheckpointWriter.write(checkpoint());
        ChunkedBlob chunked = ChunkedBlob.split(blob, 100);
        int n = (blob.length + 99) / 100;
        assertEquals(n, chunked.chunks().size());
        assertEquals(blob.length, chunked.totalBytes());
        assertEquals(ChunkedBlob.sha256Hex(blob), chunked.sha256());
        assertEquals(blob.length - 100 * (n - 1), chunked.chunks().get(n - 1).data().length);
        var refs = chunked.chunkRefs(i -> "toy:7:" + i);
        assertEquals("toy:7:3", refs.get(3).getLocation());
        assertEquals(100, refs.get(3).getSizeBytes());

        byte[] back = ChunkedBlob.reassemble(refs, chunked.totalBytes(), chunked.sha256(), i -> chunked.chunks().get(i).data());
        assertArrayEquals(blob, back);
        assertEquals(SPEC, CheckpointReader.read(back).architecture());
    }

    private static CheckpointVerificationException.Failure failure(ThrowingReassembly r) {
        return assertThrows(CheckpointVerificationException.class, r::run).failure();
    }

    private interface ThrowingReassembly {
        void run() throws Exception;
    }

    @Test
    void chunkVerificationNamesWhatFailed() {
        byte[] blob = CheckpointWriter.write(checkpoint());
        ChunkedBlob chunked = ChunkedBlob.split(blob, 256);
        var refs = chunked.chunkRefs(i -> "k" + i);
        long total = chunked.totalBytes();
        String sha = chunked.sha256();

        // one corrupt byte in chunk 2
        byte[] corrupt = chunked.chunks().get(2).data().clone();
        corrupt[17] ^= 0x40;
        CheckpointVerificationException e = assertThrows(CheckpointVerificationException.class,
                () -> ChunkedBlob.reassemble(refs, total, sha, i -> i == 2 ? corrupt : chunked.chunks().get(i).data()));
        assertEquals(CheckpointVerificationException.Failure.CHUNK_SHA_MISMATCH, e.failure());
        assertEquals(2, e.chunkIndex());
        assertTrue(e.getMessage().contains("chunk 2"), e.getMessage());

        assertEquals(CheckpointVerificationException.Failure.MISSING_CHUNK,
                failure(() -> ChunkedBlob.reassemble(refs, total, sha, i -> i == 1 ? null : chunked.chunks().get(i).data())));
        assertEquals(CheckpointVerificationException.Failure.SIZE_MISMATCH,
                failure(() -> ChunkedBlob.reassemble(refs, total + 1, sha, i -> chunked.chunks().get(i).data())));
        assertEquals(CheckpointVerificationException.Failure.CHUNK_SIZE_MISMATCH,
                failure(() -> ChunkedBlob.reassemble(refs, total, sha,
                        i -> i == 0 ? Arrays.copyOf(chunked.chunks().get(0).data(), 255) : chunked.chunks().get(i).data())));
        String otherSha = ChunkedBlob.sha256Hex(new byte[] {1});
        assertNotEquals(sha, otherSha);
        assertEquals(CheckpointVerificationException.Failure.WHOLE_SHA_MISMATCH,
                failure(() -> ChunkedBlob.reassemble(refs, total, otherSha, i -> chunked.chunks().get(i).data())));
        // chunks delivered in the wrong order pass nothing: the references are numbered
        var swapped = new java.util.ArrayList<>(refs);
        java.util.Collections.swap(swapped, 0, 1);
        assertEquals(CheckpointVerificationException.Failure.MISSING_CHUNK,
                failure(() -> ChunkedBlob.reassemble(swapped, total, sha, i -> chunked.chunks().get(i).data())));
    }

    /** Rewrites the SHA-256 trailer after a deliberate edit. */
    private static void resign(byte[] blob) {
        try {
            byte[] sha = MessageDigest.getInstance("SHA-256").digest(Arrays.copyOf(blob, blob.length - 32));
            System.arraycopy(sha, 0, blob, blob.length - 32, 32);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
