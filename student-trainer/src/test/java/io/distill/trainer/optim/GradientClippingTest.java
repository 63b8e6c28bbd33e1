package io.distill.trainer.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.distill.core.architecture.ArchitectureFactory;
import io.distill.core.architecture.ArchitectureSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class GradientClippingTest {

    @Test
    void scalesAllGradientsByOneFactor() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // loss = 3·a0 + 4·a1 + 12·b0: gradients (3, 4) and (12), global norm √(9 + 16 + 144) = 13
            NDArray a = manager.create(new float[] {1f, 1f});
            NDArray b = manager.create(new float[] {1f});
            a.setRequiresGradient(true);
            b.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = a.mul(manager.create(new float[] {3f, 4f})).sum().add(b.mul(12f).sum());
                gc.backward(loss);
            }
            List<NDArray> grads = List.of(a.getGradient(), b.getGradient());
            assertEquals(13, GradientClipping.globalNorm(grads), 1e-5);

            // below the limit: untouched
            assertEquals(13, GradientClipping.clipByGlobalNorm(grads, 20), 1e-5);
            assertArrayEquals(new float[] {3f, 4f}, a.getGradient().toFloatArray());

            // limit 6.5: factor 6.5/13 = 1/2 on every gradient, in place
            assertEquals(13, GradientClipping.clipByGlobalNorm(grads, 6.5), 1e-5);
            assertArrayEquals(new float[] {1.5f, 2f}, a.getGradient().toFloatArray(), 1e-5f);
            assertArrayEquals(new float[] {6f}, b.getGradient().toFloatArray(), 1e-5f);
            assertEquals(6.5, GradientClipping.globalNorm(grads), 1e-5);
        }
    }

    @Test
    void clipsABlocksGradients() {
        try (NDManager manager = NDManager.newBaseManager()) {
            int[] input = {5};
            Block block = ArchitectureFactory.buildInitialized(ArchitectureSpec.mlp(List.of(7), 0), input, 3, manager);
            block.getParameters().values().forEach(p -> p.getArray().setRequiresGradient(true));
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray x = manager.arange(20f).reshape(4, 5);
                NDArray out = block.forward(new ParameterStore(manager, false), new NDList(x), true).singletonOrThrow();
                gc.backward(out.square().sum());
            }
            double before = GradientClipping.globalNorm(block);
            double max = before / 4;
            assertEquals(before, GradientClipping.clipByGlobalNorm(block, max), before * 1e-6);
            assertEquals(max, GradientClipping.globalNorm(block), max * 1e-5);
        }
    }
}
