package io.distill.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.distill.core.checkpoint.Int8Weights;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Simulated int8 weight quantization for one training step (quantization-aware distillation), with a
 * straight-through estimator. {@link #apply} replaces every weight the int8 checkpoint stores as int8 ({@link
 * Int8Weights#quantizable}) in place by its fake-quantized value (per-output-channel symmetric int8, the same
 * arithmetic as the checkpoint writer) and keeps the float weights; the forward and backward pass then run on the
 * quantized weights, and {@link #close()} puts the float weights back before the optimizer step. The gradient the
 * optimizer applies to the float weights is therefore the gradient at the quantized weights, passed through the
 * rounding unchanged: {@code w_q = w + stopGradient(quant(w) - w)}, {@code dL/dw = dL/dw_q}. Biases and other
 * parameters are not touched.
 *
 * <p>Call outside a {@code GradientCollector} (autograd off), as the optimizer's in-place updates are.
 */
public final class FakeQuantizedWeights implements AutoCloseable {

    private final List<NDArray> arrays;
    private final List<float[]> floats;

    private FakeQuantizedWeights(List<NDArray> arrays, List<float[]> floats) {
        this.arrays = arrays;
        this.floats = floats;
    }

    /** Fake-quantizes the block's weights in place until {@link #close()}. */
    public static FakeQuantizedWeights apply(Block block) {
        GradMode.disableOnThisThread();
        List<NDArray> arrays = new ArrayList<>();
        List<float[]> floats = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            NDArray array = p.getValue().getArray();
            int[] shape = shape(array);
            if (array.getDataType() != DataType.FLOAT32 || !Int8Weights.quantizable(p.getKey(), shape)) {
                continue;
            }
            float[] w = array.toFloatArray();
            arrays.add(array);
            floats.add(w);
            array.set(FloatBuffer.wrap(Int8Weights.fakeQuantize(w, shape[0])));
        }
        return new FakeQuantizedWeights(arrays, floats);
    }

    /** How many parameters were quantized. */
    public int quantizedParameters() {
        return arrays.size();
    }

    /** Puts the float weights back; their gradients (computed at the quantized weights) are kept. */
    @Override
    public void close() {
        for (int i = 0; i < arrays.size(); i++) {
            arrays.get(i).set(FloatBuffer.wrap(floats.get(i)));
        }
        arrays.clear();
        floats.clear();
    }

    private static int[] shape(NDArray array) {
        long[] s = array.getShape().getShape();
        int[] out = new int[s.length];
        for (int i = 0; i < s.length; i++) {
            out[i] = Math.toIntExact(s[i]);
        }
        return out;
    }
}
