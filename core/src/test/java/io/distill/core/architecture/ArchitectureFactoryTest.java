package io.distill.core.architecture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.distill.schema.Architecture;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ArchitectureFactoryTest {

    private static NDManager manager;

    @BeforeAll
    static void engine() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    private static long[] forwardShape(Block block, int batch, int[] inputShape) {
        try (NDManager sub = manager.newSubManager()) {
            NDArray x = sub.randomUniform(0, 1, ArchitectureFactory.batchShape(batch, inputShape));
            NDList out = block.forward(new ParameterStore(sub, false), new NDList(x), false);
            return out.singletonOrThrow().getShape().getShape();
        }
    }

    @Test
    void mlpDefaultsAndCanonicalJson() {
        ArchitectureSpec spec = ArchitectureSpec.fromJson("MLP", "{ }");
        assertEquals("mlp", spec.family());
        assertEquals("{\"dropout\":0.0,\"hidden\":[800,800]}", spec.canonicalJson());
        // Key order and number spelling do not change the canonical form.
        ArchitectureSpec same = ArchitectureSpec.fromJson("mlp", "{\"hidden\":[800, 800], \"dropout\": 0}");
        assertEquals(spec, same);
        assertEquals(spec.canonicalJson(), ArchitectureSpec.mlp(List.of(800, 800), 0).canonicalJson());
        // 784-800-800-10: (784*800+800) + (800*800+800) + (800*10+10) = 628000 + 640800 + 8010
        assertEquals(1_276_810L, ArchitectureFactory.parameterCount(spec, new int[] {784}, 10));
    }

    @Test
    void mlpForwardShapeAndParameterCount() {
        ArchitectureSpec spec = ArchitectureSpec.mlp(List.of(16, 8), 0.25);
        int[] input = {2, 3}; // flattened to 6 features
        Block block = ArchitectureFactory.buildInitialized(spec, input, 4, manager);
        assertArrayEquals(new long[] {5, 4}, forwardShape(block, 5, input));
        // (6*16+16) + (16*8+8) + (8*4+4) = 112 + 136 + 36
        long expected = 284;
        assertEquals(expected, ArchitectureFactory.parameterCount(spec, input, 4));
        assertEquals(expected, ArchitectureFactory.parameterCount(block));
    }

    @Test
    void cnnForwardShapeAndParameterCount() {
        ArchitectureSpec spec = ArchitectureSpec.cnn(List.of(4, 8), 3, 16, 0.5);
        assertEquals("{\"channels\":[4,8],\"dense\":16,\"dropout\":0.5,\"kernel\":3}", spec.canonicalJson());
        // conv1 1*4*3*3+4 = 40; pool 28->14; conv2 4*8*9+8 = 296; pool 14->7;
        // dense (8*7*7)*16+16 = 6288; output 16*10+10 = 170; total 6794
        for (int[] input : List.of(new int[] {1, 28, 28}, new int[] {28, 28}, new int[] {784})) {
            Block block = ArchitectureFactory.buildInitialized(spec, input, 10, manager);
            assertArrayEquals(new long[] {3, 10}, forwardShape(block, 3, input));
            assertEquals(6794, ArchitectureFactory.parameterCount(spec, input, 10));
            assertEquals(6794, ArchitectureFactory.parameterCount(block));
        }
    }

    @Test
    void cnnBatchNormIsOptInAndCountsItsRunningStatistics() {
        ArchitectureSpec plain = ArchitectureSpec.fromJson("cnn", "{\"channels\":[4,8],\"dense\":16,\"batchNorm\":false}");
        assertEquals("{\"channels\":[4,8],\"dense\":16,\"dropout\":0.0,\"kernel\":3}", plain.canonicalJson());
        ArchitectureSpec bn = ArchitectureSpec.fromJson("cnn", "{\"channels\":[4,8],\"dense\":16,\"batchNorm\":true}");
        assertEquals("{\"batchNorm\":true,\"channels\":[4,8],\"dense\":16,\"dropout\":0.0,\"kernel\":3}",
                bn.canonicalJson());
        assertNotEquals(plain, bn);
        int[] input = {1, 28, 28};
        // 6794 as above plus gamma, beta, running mean and running variance per channel: 4*(4+8) = 48
        Block block = ArchitectureFactory.buildInitialized(bn, input, 10, manager);
        assertArrayEquals(new long[] {3, 10}, forwardShape(block, 3, input));
        assertEquals(6842, ArchitectureFactory.parameterCount(bn, input, 10));
        assertEquals(6842, ArchitectureFactory.parameterCount(block));
        assertThrows(IllegalArgumentException.class, () -> ArchitectureSpec.fromJson("cnn", "{\"batchNorm\":1}"));
    }

    @Test
    void cnnOddSizesRoundDown() {
        ArchitectureSpec spec = ArchitectureSpec.fromJson("cnn", "{\"channels\":[2],\"kernel\":5,\"dense\":3}");
        int[] input = {3, 10, 9};
        // conv 3*2*5*5+2 = 152; pool 10x9 -> 5x4; dense (2*5*4)*3+3 = 123; output 3*2+2 = 8; total 283
        Block block = ArchitectureFactory.buildInitialized(spec, input, 2, manager);
        assertArrayEquals(new long[] {2, 2}, forwardShape(block, 2, input));
        assertEquals(283, ArchitectureFactory.parameterCount(spec, input, 2));
        assertEquals(283, ArchitectureFactory.parameterCount(block));
    }

    @Test
    void sameSpecGivesSameParameterNamesAndShapes() {
        ArchitectureSpec spec = ArchitectureSpec.cnn(List.of(4), 3, 8, 0.1);
        int[] input = {1, 8, 8};
        Block a = ArchitectureFactory.buildInitialized(spec, input, 3, manager);
        Block b = ArchitectureFactory.buildInitialized(ArchitectureSpec.fromJson("cnn", spec.canonicalJson()), input, 3, manager);
        assertEquals(describe(a), describe(b));
    }

    private static List<String> describe(Block block) {
        List<String> out = new ArrayList<>();
        block.getParameters().forEach(p -> out.add(p.getKey() + p.getValue().getArray().getShape()));
        return out;
    }

    @Test
    void avroRoundTrip() {
        ArchitectureSpec spec = ArchitectureSpec.mlp(List.of(32), 0.2);
        Architecture avro = spec.toAvro(new int[] {784}, 10);
        assertEquals("mlp", avro.getFamily());
        assertEquals(spec.canonicalJson(), avro.getSpec());
        // 784*32+32 + 32*10+10 = 25120 + 330
        assertEquals(25_450L, avro.getParameterCount());
        assertEquals(spec, ArchitectureSpec.fromAvro(avro));
    }

    @Test
    void invalidSpecsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> ArchitectureSpec.fromJson("resnet", "{}"));
        assertThrows(IllegalArgumentException.class, () -> ArchitectureSpec.fromJson("mlp", "{\"hiden\":[3]}"));
        assertThrows(IllegalArgumentException.class, () -> ArchitectureSpec.fromJson("mlp", "{\"dropout\":1.0}"));
        assertThrows(IllegalArgumentException.class, () -> ArchitectureSpec.fromJson("mlp", "{\"hidden\":[0]}"));
        assertThrows(IllegalArgumentException.class, () -> ArchitectureSpec.fromJson("cnn", "{\"kernel\":4}"));
        assertThrows(IllegalArgumentException.class, () -> ArchitectureSpec.fromJson("cnn", "[1]"));
        ArchitectureSpec cnn = ArchitectureSpec.cnn(List.of(4, 4, 4), 3, 8, 0);
        assertThrows(IllegalArgumentException.class, () -> ArchitectureFactory.parameterCount(cnn, new int[] {4, 4}, 2));
        assertThrows(IllegalArgumentException.class, () -> ArchitectureFactory.build(cnn, new int[] {10}, 2));
        assertNotEquals(ArchitectureSpec.mlp(List.of(8), 0), ArchitectureSpec.mlp(List.of(8), 0.1));
    }

    @Test
    void batchShape() {
        assertEquals(new Shape(7, 1, 28, 28), ArchitectureFactory.batchShape(7, new int[] {1, 28, 28}));
    }
}
