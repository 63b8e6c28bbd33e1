package io.distill.core.checkpoint;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * A weight tensor stored as int8 with one float32 scale per output channel (symmetric, no zero point): value
 * {@code i} of channel {@code c} is {@code values[i] * scales[c]}. The output channel is the outermost dimension
 * (rows of a linear layer's {@code [out, in]} weight, filters of a convolution's {@code [out, in, kh, kw]}).
 *
 * <p>Quantization: {@code scale_c = max|w_c| / 127} ({@code 1} for an all-zero channel), {@code q = clamp(round(w /
 * scale_c), -127, 127)}. The trainer's simulated quantization ({@link #fakeQuantize}) and the int8 checkpoint use this
 * same arithmetic, so a student trained with quantization-aware distillation is served with exactly the weights it
 * was trained against.
 *
 * @param name the parameter's name
 * @param shape its shape, outermost (output channel) first
 * @param values quantized values, row-major
 * @param scales one scale per output channel
 */
public record Int8Weights(String name, int[] shape, byte[] values, float[] scales) {

    /** The largest magnitude of a quantized value (the range is symmetric: -127..127). */
    public static final int LEVELS = 127;

    /** Checks that shape, values and scales agree. */
    public Int8Weights {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(values, "values");
        Objects.requireNonNull(scales, "scales");
        if (shape.length < 2) {
            throw new IllegalArgumentException(name + ": int8 weights need at least 2 dimensions, has "
                    + Arrays.toString(shape));
        }
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(name + ": negative dimension in " + Arrays.toString(shape));
            }
            n *= d;
        }
        if (n != values.length) {
            throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape) + " needs " + n
                    + " values, has " + values.length);
        }
        if (scales.length != shape[0]) {
            throw new IllegalArgumentException(name + ": " + shape[0] + " output channels but " + scales.length
                    + " scales");
        }
        for (float s : scales) {
            if (!(s > 0) || !Float.isFinite(s)) {
                throw new IllegalArgumentException(name + ": scale " + s + " is not a positive finite number");
            }
        }
    }

    /**
     * Whether a parameter is stored as int8 in an int8 checkpoint: weights of at least two dimensions (linear and
     * convolution kernels). Biases, normalisation parameters and anything one-dimensional stay float32.
     */
    public static boolean quantizable(NamedTensor t) {
        return quantizable(t.name(), t.shape());
    }

    /** {@link #quantizable(NamedTensor)} by name and shape. */
    public static boolean quantizable(String name, int[] shape) {
        return shape.length >= 2 && shape[0] > 0 && name.toLowerCase(Locale.ROOT).endsWith("weight");
    }

    /** Quantizes a float tensor per output channel. */
    public static Int8Weights quantize(NamedTensor t) {
        int[] shape = t.shape();
        float[] data = t.data();
        float[] scales = scales(data, shape[0]);
        int per = shape[0] == 0 ? 0 : data.length / shape[0];
        byte[] q = new byte[data.length];
        for (int c = 0; c < shape[0]; c++) {
            float s = scales[c];
            if (Float.isNaN(s)) {
                throw new IllegalArgumentException(t.name() + ": cannot quantize a non-finite weight (channel " + c + ")");
            }
            for (int i = c * per, end = i + per; i < end; i++) {
                q[i] = (byte) level(data[i], s);
            }
        }
        return new Int8Weights(t.name(), shape.clone(), q, scales);
    }

    /**
     * Quantizes and dequantizes in one pass: the float values int8 storage would give back for {@code data}. A
     * channel holding a non-finite value is copied unchanged.
     *
     * @param data row-major values of a tensor whose outermost dimension has {@code channels} entries
     * @param channels output channels
     * @return a new array of the same length
     */
    public static float[] fakeQuantize(float[] data, int channels) {
        float[] scales = scales(data, channels);
        int per = channels == 0 ? 0 : data.length / channels;
        float[] out = new float[data.length];
        for (int c = 0; c < channels; c++) {
            float s = scales[c];
            if (Float.isNaN(s)) {
                // A channel with a non-finite weight is left as it is; the quality gate never publishes it.
                System.arraycopy(data, c * per, out, c * per, per);
                continue;
            }
            for (int i = c * per, end = i + per; i < end; i++) {
                out[i] = level(data[i], s) * s;
            }
        }
        return out;
    }

    /** @return the float tensor these int8 values stand for */
    public NamedTensor dequantize() {
        float[] out = new float[values.length];
        int per = values.length / shape[0];
        for (int c = 0; c < shape[0]; c++) {
            float s = scales[c];
            for (int i = c * per, end = i + per; i < end; i++) {
                out[i] = values[i] * s;
            }
        }
        return new NamedTensor(name, shape.clone(), out);
    }

    private static float[] scales(float[] data, int channels) {
        if (channels <= 0 || data.length % channels != 0) {
            throw new IllegalArgumentException(data.length + " values do not split into " + channels + " channels");
        }
        int per = data.length / channels;
        float[] scales = new float[channels];
        for (int c = 0; c < channels; c++) {
            float max = 0;
            for (int i = c * per, end = i + per; i < end; i++) {
                float a = Math.abs(data[i]);
                if (!(a <= Float.MAX_VALUE)) {
                    max = Float.NaN;
                    break;
                }
                max = Math.max(max, a);
            }
            scales[c] = Float.isNaN(max) ? Float.NaN : max > 0 ? max / LEVELS : 1f;
        }
        return scales;
    }

    private static int level(float w, float scale) {
        int q = Math.round(w / scale);
        return Math.max(-LEVELS, Math.min(LEVELS, q));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Int8Weights w && w.name.equals(name) && Arrays.equals(w.shape, shape)
                && Arrays.equals(w.values, values) && Arrays.equals(w.scales, scales);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(shape), Arrays.hashCode(values), Arrays.hashCode(scales));
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape) + " int8";
    }
}
