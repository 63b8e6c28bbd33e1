package io.distill.trainer.model;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.distill.core.architecture.ArchitectureFactory;
import io.distill.core.architecture.ArchitectureSpec;
import io.distill.core.checkpoint.BlockParameters;
import io.distill.core.checkpoint.Int8Weights;
import io.distill.core.checkpoint.NamedTensor;
import io.distill.trainer.adaptive.AdaptiveWeighting;
import io.distill.trainer.data.Sample;
import io.distill.trainer.testdata.FashionSamples;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Simulated int8 weights with a straight-through estimator, on a real DJL network and real images. */
class FakeQuantizedWeightsTest {

    private static final ArchitectureSpec SPEC = ArchitectureSpec.mlp(List.of(32), 0.0);

    /** Forward and backward through the block on {@code x} with a sum-of-squares loss; returns the gradients. */
    private static Map<String, float[]> gradients(Block block, NDManager manager, NDArray x, boolean quantize) {
        for (Pair<String, Parameter> p : block.getParameters()) {
            p.getValue().getArray().setRequiresGradient(true);
        }
        try (FakeQuantizedWeights q = quantize ? FakeQuantizedWeights.apply(block) : null;
             GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            collector.zeroGradients();
            NDArray out = block.forward(new ParameterStore(manager, false), new NDList(x), true).singletonOrThrow();
            collector.backward(out.pow(2).sum());
        }
        Map<String, float[]> grads = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            grads.put(p.getKey(), p.getValue().getArray().getGradient().toFloatArray());
        }
        return grads;
    }

    private static NDArray input(NDManager manager) throws Exception {
        List<Sample> s = FashionSamples.train(0, 8);
        float[] x = new float[8 * 784];
        for (int i = 0; i < 8; i++) {
            System.arraycopy(s.get(i).input(), 0, x, i * 784, 784);
        }
        return manager.create(x).reshape(8, 784);
    }

    @Test
    void forwardUsesQuantizedWeightsAndTheGradientPassesStraightThroughToTheFloatWeights() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block qat = ArchitectureFactory.buildInitialized(SPEC, FashionSamples.SHAPE, 10, manager);
            List<NamedTensor> floats = BlockParameters.export(qat);
            // The reference: a plain network whose weights are the int8 checkpoint's values.
            Block reference = ArchitectureFactory.buildInitialized(SPEC, FashionSamples.SHAPE, 10, manager);
            List<NamedTensor> quantized = new ArrayList<>();
            int weights = 0;
            for (NamedTensor t : floats) {
                boolean q = Int8Weights.quantizable(t);
                weights += q ? 1 : 0;
                quantized.add(q ? Int8Weights.quantize(t).dequantize() : t);
            }
            assertEquals(2, weights, "both linear weights are quantized, the biases are not");
            BlockParameters.load(reference, quantized);
            NDArray x = input(manager);

            // values: inside the scope the block computes what the int8 network computes
            try (FakeQuantizedWeights q = FakeQuantizedWeights.apply(qat)) {
                assertEquals(2, q.quantizedParameters());
                float[] fake = qat.forward(new ParameterStore(manager, false), new NDList(x), false)
                        .singletonOrThrow().toFloatArray();
                float[] ref = reference.forward(new ParameterStore(manager, false), new NDList(x), false)
                        .singletonOrThrow().toFloatArray();
                assertArrayEquals(ref, fake, 1e-5f);
            }
            // ... and afterwards the float weights are back, bit for bit
            assertEquals(floats, BlockParameters.export(qat));

            // gradient: dL/dw on the float weights equals dL/dw_q of the int8 network (straight-through)
            Map<String, float[]> ste = gradients(qat, manager, x, true);
            Map<String, float[]> atQuantized = gradients(reference, manager, x, false);
            Map<String, float[]> atFloat = gradients(qat, manager, x, false);
            assertEquals(floats, BlockParameters.export(qat), "float weights restored after the backward pass");
            for (String name : ste.keySet()) {
                assertArrayEquals(atQuantized.get(name), ste.get(name), 1e-4f, name);
            }
            String w0 = ste.keySet().iterator().next();
            assertFalse(java.util.Arrays.equals(atFloat.get(w0), ste.get(w0)),
                    "the gradient at the float weights differs, so the test tells the two apart");
        }
    }

    @Test
    void quantizationAwareStepsUpdateFloatWeightsThatStayOffTheInt8Grid() throws Exception {
        try (StudentNetwork net = new StudentNetwork(SPEC, FashionSamples.SHAPE, FashionSamples.labelSpace(), 10,
                new OptimizerSettings("sgd", 0.05f, "constant", 0f, 0f, 0), Device.cpu(), 3)) {
            net.quantizationAware(true);
            List<Sample> data = FashionSamples.train(0, 256);
            for (int from = 0; from < data.size(); from += 64) {
                net.train(data.subList(from, from + 64), 0.7f, 2f, AdaptiveWeighting.NONE);
            }
            NamedTensor w = BlockParameters.export(net.block()).get(0);
            assertTrue(Int8Weights.quantizable(w));
            float[] grid = Int8Weights.fakeQuantize(w.data(), w.shape()[0]);
            assertFalse(java.util.Arrays.equals(grid, w.data()), "the optimizer updates the float weights");
            List<Sample> probe = FashionSamples.test(64);
            double[][] quantized = net.quantizedLogProbs(probe);
            double[][] floats = net.logProbs(probe);
            assertFalse(java.util.Arrays.deepEquals(quantized, floats));
            assertEquals(w, BlockParameters.export(net.block()).get(0), "evaluation leaves the float weights alone");
        }
    }
}
