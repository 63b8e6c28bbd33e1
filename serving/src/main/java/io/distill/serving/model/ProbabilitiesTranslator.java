package io.distill.serving.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;

import java.nio.FloatBuffer;

/**
 * Turns a batch of flat float rows into one NDArray of shape {@code (batch, inputShape...)} and the network's logits
 * into per-row class probabilities (softmax at temperature 1).
 */
final class ProbabilitiesTranslator implements Translator<float[][], float[][]> {

    private final long[] inputShape;
    private final int inputSize;

    ProbabilitiesTranslator(int[] inputShape) {
        this.inputShape = new long[inputShape.length];
        int size = 1;
        for (int i = 0; i < inputShape.length; i++) {
            this.inputShape[i] = inputShape[i];
            size *= inputShape[i];
        }
        this.inputSize = size;
    }

    @Override
    public NDList processInput(TranslatorContext ctx, float[][] rows) {
        FloatBuffer flat = FloatBuffer.allocate(rows.length * inputSize);
        for (float[] row : rows) {
            if (row.length != inputSize) {
                throw new InferenceException("input has " + row.length + " values, the model takes " + inputSize);
            }
            flat.put(row);
        }
        flat.flip();
        long[] dims = new long[inputShape.length + 1];
        dims[0] = rows.length;
        System.arraycopy(inputShape, 0, dims, 1, inputShape.length);
        NDManager manager = ctx.getNDManager();
        return new NDList(manager.create(flat, new Shape(dims)));
    }

    @Override
    public float[][] processOutput(TranslatorContext ctx, NDList list) {
        NDArray logits = list.singletonOrThrow();
        NDArray probabilities = logits.softmax(-1);
        int rows = (int) probabilities.getShape().get(0);
        int classes = (int) probabilities.getShape().get(probabilities.getShape().dimension() - 1);
        float[] flat = probabilities.toFloatArray();
        float[][] out = new float[rows][classes];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(flat, r * classes, out[r], 0, classes);
        }
        return out;
    }

    @Override
    public Batchifier getBatchifier() {
        return null;
    }
}
