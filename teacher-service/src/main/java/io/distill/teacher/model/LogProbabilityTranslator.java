package io.distill.teacher.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * Turns a batch of decoded inputs into one array of shape {@code (n, inputShape...)} and the
 * network's logits into temperature-1 natural-log probabilities, one row per input.
 *
 * <p>The whole batch is one forward pass; the translator does its own batching, so DJL's
 * batchifier is not used.
 */
final class LogProbabilityTranslator implements NoBatchifyTranslator<float[][], float[][]> {

    private final int[] inputShape;
    private final int elementsPerInput;

    LogProbabilityTranslator(int[] inputShape) {
        this.inputShape = inputShape.clone();
        int n = 1;
        for (int d : inputShape) {
            n *= d;
        }
        this.elementsPerInput = n;
    }

    @Override
    public NDList processInput(TranslatorContext ctx, float[][] batch) {
        FloatBuffer values = ByteBuffer.allocateDirect(batch.length * elementsPerInput * Float.BYTES)
                .order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        for (float[] row : batch) {
            if (row.length != elementsPerInput) {
                throw new IllegalArgumentException(
                        "input has " + row.length + " values, the teacher expects " + elementsPerInput);
            }
            values.put(row);
        }
        values.flip();
        long[] dims = new long[inputShape.length + 1];
        dims[0] = batch.length;
        for (int i = 0; i < inputShape.length; i++) {
            dims[i + 1] = inputShape[i];
        }
        NDManager manager = ctx.getNDManager();
        return new NDList(manager.create(values, new Shape(dims)));
    }

    @Override
    public float[][] processOutput(TranslatorContext ctx, NDList list) {
        NDArray logits = list.singletonOrThrow();
        long rows = logits.getShape().get(0);
        NDArray logProbs = logits.reshape(rows, -1).logSoftmax(1);
        int classes = (int) logProbs.getShape().get(1);
        float[] flat = logProbs.toFloatArray();
        float[][] out = new float[(int) rows][classes];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(flat, r * classes, out[r], 0, classes);
        }
        return out;
    }
}
