package io.distill.teacher.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.dataset.FashionMnist;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ImageAugmentationTest {

    private static final int[] CHW = {1, 3, 4};
    private static final float[] IMAGE = {
        1, 2, 3, 4,
        5, 6, 7, 8,
        9, 10, 11, 12};

    @Test
    void shiftMovesPixelsAndFillsWithZero() {
        float[] out = new float[IMAGE.length];
        new ImageAugmentation(CHW, 1, false).transform(IMAGE, out, 1, -1, false);
        assertArrayEquals(new float[] {
            0, 0, 0, 0,
            2, 3, 4, 0,
            6, 7, 8, 0}, out);
    }

    @Test
    void mirrorReversesRowsAndTwiceIsIdentity() {
        ImageAugmentation a = new ImageAugmentation(CHW, 0, true);
        float[] once = new float[IMAGE.length];
        float[] twice = new float[IMAGE.length];
        a.transform(IMAGE, once, 0, 0, true);
        assertArrayEquals(new float[] {4, 3, 2, 1, 8, 7, 6, 5, 12, 11, 10, 9}, once);
        a.transform(once, twice, 0, 0, true);
        assertArrayEquals(IMAGE, twice);
    }

    @Test
    void randomDrawsStayWithinTheShiftAndKeepTheImageMass() throws Exception {
        float[] image = FashionMnist.test().images()[0];
        ImageAugmentation a = new ImageAugmentation(FashionMnist.IMAGE_SHAPE, 2, true);
        Random random = new Random(3);
        float[] out = new float[image.length];
        double mass = sum(image);
        boolean changed = false;
        for (int i = 0; i < 20; i++) {
            a.apply(image, out, random);
            // a shift of at most 2 px drops only border pixels, which are almost all 0 in Fashion-MNIST
            assertTrue(sum(out) <= mass + 1e-3 && sum(out) > 0.8 * mass, "mass " + sum(out) + " vs " + mass);
            changed |= !java.util.Arrays.equals(out, image);
        }
        assertTrue(changed);
        a.transform(image, out, 0, 0, false);
        assertArrayEquals(image, out);
        assertEquals(784, out.length);
    }

    private static double sum(float[] a) {
        double s = 0;
        for (float v : a) {
            s += v;
        }
        return s;
    }
}
