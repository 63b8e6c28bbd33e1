package io.distill.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class Int8WeightsTest {

    @Test
    void scalesArePerOutputChannelAndSymmetric() {
        // two output channels of three inputs: channel 0 spans [-2, 1], channel 1 is tiny
        float[] w = {-2f, 1.01f, 0.5f, 0.0011f, -0.002f, 0.0005f};
        Int8Weights q = Int8Weights.quantize(new NamedTensor("01Linear_weight", new int[] {2, 3}, w));
        assertArrayEquals(new float[] {2f / 127, 0.002f / 127}, q.scales(), 1e-9f);
        assertArrayEquals(new byte[] {-127, 64, 32, 70, -127, 32}, q.values());
        NamedTensor back = q.dequantize();
        for (int i = 0; i < w.length; i++) {
            int channel = i / 3;
            assertEquals(w[i], back.data()[i], q.scales()[channel] / 2 + 1e-9f, "within half a step, value " + i);
        }
    }

    @Test
    void fakeQuantizeEqualsQuantizeThenDequantize() {
        Random r = new Random(7);
        float[] w = new float[16 * 5 * 3 * 3];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian() * 0.3f;
        }
        NamedTensor t = new NamedTensor("conv_weight", new int[] {16, 5, 3, 3}, w);
        assertArrayEquals(Int8Weights.quantize(t).dequantize().data(), Int8Weights.fakeQuantize(w, 16));
        // idempotent: quantized values are already on the grid
        float[] once = Int8Weights.fakeQuantize(w, 16);
        assertArrayEquals(once, Int8Weights.fakeQuantize(once, 16), 1e-7f);
    }

    @Test
    void zeroChannelsAndNonFiniteValues() {
        float[] w = {0f, 0f, 1f, -1f};
        Int8Weights q = Int8Weights.quantize(new NamedTensor("w_weight", new int[] {2, 2}, w));
        assertEquals(1f, q.scales()[0]);
        assertArrayEquals(w, q.dequantize().data());

        float[] bad = {Float.NaN, 1f, 0.5f, -1f};
        assertThrows(IllegalArgumentException.class,
                () -> Int8Weights.quantize(new NamedTensor("w_weight", new int[] {2, 2}, bad)));
        float[] fake = Int8Weights.fakeQuantize(bad, 2);
        assertTrue(Float.isNaN(fake[0]), "the non-finite channel is left as it is");
        assertEquals(1f, fake[1]);
        assertArrayEquals(new float[] {0.5f, -1f}, new float[] {fake[2], fake[3]}, 1f / 127);
    }

    @Test
    void onlyWeightsOfTwoOrMoreDimensionsAreQuantizable() {
        assertTrue(Int8Weights.quantizable(new NamedTensor("02Linear_weight", new int[] {3, 2}, new float[6])));
        assertFalse(Int8Weights.quantizable(new NamedTensor("02Linear_bias", new int[] {3}, new float[3])));
        assertFalse(Int8Weights.quantizable(new NamedTensor("03BatchNorm_gamma", new int[] {3}, new float[3])));
        assertThrows(IllegalArgumentException.class,
                () -> new Int8Weights("w", new int[] {2, 2}, new byte[4], new float[] {1f}));
    }
}
