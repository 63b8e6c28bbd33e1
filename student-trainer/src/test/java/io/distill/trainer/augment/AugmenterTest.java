package io.distill.trainer.augment;

import io.distill.trainer.augment.AugmentSettings.Operation;
import io.distill.trainer.data.Sample;
import io.distill.trainer.testdata.FashionSamples;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Augmentation of real Fashion-MNIST images and of plain vectors. */
class AugmenterTest {

    private static final Set<Operation> ALL = EnumSet.allOf(Operation.class);
    private static List<Sample> images;

    @BeforeAll
    static void data() throws Exception {
        images = FashionSamples.train(0, 64);
    }

    private static AugmentSettings settings(Set<Operation> ops, long seed) {
        return new AugmentSettings(ops, 2, 2, 0.1, seed);
    }

    private static List<float[]> copies(List<Sample> samples) {
        List<float[]> out = new ArrayList<>();
        samples.forEach(s -> out.add(s.input().clone()));
        return out;
    }

    @Test
    void preservesLabelsShapeAndValueRangeAndLeavesTheOriginalsAlone() {
        List<float[]> before = copies(images);
        Augmenter a = new Augmenter(settings(ALL, 7), FashionSamples.SHAPE);
        assertTrue(a.imageInputs(), "784 values are a 28x28 image");
        List<Sample> out = a.augment(images, 3);
        assertEquals(images.size(), out.size());
        int changed = 0;
        for (int i = 0; i < images.size(); i++) {
            Sample o = images.get(i);
            Sample x = out.get(i);
            assertNotSame(o.input(), x.input());
            assertEquals(o.input().length, x.input().length);
            assertSame(o.teacherLogProbs(), x.teacherLogProbs());
            assertEquals(o.hardLabel(), x.hardLabel());
            assertEquals(o.weight(), x.weight());
            assertEquals(o.requestId(), x.requestId());
            float lo = 0;
            float hi = 0;
            for (float v : o.input()) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            for (float v : x.input()) {
                assertTrue(v >= lo && v <= hi, "value " + v + " outside [" + lo + ", " + hi + "]");
            }
            changed += java.util.Arrays.equals(o.input(), x.input()) ? 0 : 1;
            assertArrayEquals(before.get(i), o.input(), "the original input was modified");
        }
        assertEquals(images.size(), changed, "noise changes every image");
    }

    @Test
    void sameSeedAndBatchGiveTheSameBatch() {
        List<Sample> a = new Augmenter(settings(ALL, 11), FashionSamples.SHAPE).augment(images, 5);
        List<Sample> b = new Augmenter(settings(ALL, 11), FashionSamples.SHAPE).augment(images, 5);
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i).input(), b.get(i).input());
        }
        List<Sample> otherBatch = new Augmenter(settings(ALL, 11), FashionSamples.SHAPE).augment(images, 6);
        List<Sample> otherSeed = new Augmenter(settings(ALL, 12), FashionSamples.SHAPE).augment(images, 5);
        assertFalse(java.util.Arrays.equals(a.get(0).input(), otherBatch.get(0).input()));
        assertFalse(java.util.Arrays.equals(a.get(0).input(), otherSeed.get(0).input()));
    }

    @Test
    void shiftMovesTheImageAndCropPadsWithZeros() {
        float[] img = new float[3 * 5 * 5];
        img[1 * 25 + 2 * 5 + 2] = 1f; // a single bright pixel in the middle of channel 1
        Sample s = new Sample("x", img, null, 4, 1f);
        int[] shape = {3, 5, 5};
        boolean moved = false;
        for (long batch = 0; batch < 20; batch++) {
            float[] shifted = new Augmenter(settings(Set.of(Operation.SHIFT), 1), shape)
                    .augment(List.of(s), batch).get(0).input();
            float sum = 0;
            for (float v : shifted) {
                sum += v;
            }
            assertEquals(1f, sum, "a shift of at most 2 keeps the pixel inside the 5x5 image");
            assertEquals(0f, shifted[2 * 5 + 2] + shifted[2 * 25 + 2 * 5 + 2], "other channels stay empty");
            moved |= shifted[25 + 12] == 0f;
        }
        assertTrue(moved, "some batch moved the pixel");

        float[] full = new float[25];
        java.util.Arrays.fill(full, 0.5f);
        int zeros = 0;
        for (long batch = 0; batch < 20; batch++) {
            float[] cropped = new Augmenter(settings(Set.of(Operation.CROP), 1), new int[]{25})
                    .augment(List.of(new Sample("y", full, null, 1, 1f)), batch).get(0).input();
            for (float v : cropped) {
                assertTrue(v == 0f || v == 0.5f);
                zeros += v == 0f ? 1 : 0;
            }
        }
        assertTrue(zeros > 0, "crops reach into the zero padding");
    }

    @Test
    void plainVectorsOnlyGetNoise() {
        float[] v = {0.2f, -1f, 3f, 0.5f, 0f, 1f};
        Sample s = new Sample("v", v, null, 2, 1f);
        Augmenter geometric = new Augmenter(settings(EnumSet.of(Operation.SHIFT, Operation.CROP), 1), new int[]{6});
        assertFalse(geometric.imageInputs());
        assertTrue(geometric.describe().contains("noise only"), geometric.describe());
        assertArrayEquals(v, geometric.augment(List.of(s), 0).get(0).input());
        float[] noised = new Augmenter(settings(ALL, 1), new int[]{6}).augment(List.of(s), 0).get(0).input();
        assertFalse(java.util.Arrays.equals(v, noised));
        for (float x : noised) {
            assertTrue(x >= -1f && x <= 3f);
        }
    }

    @Test
    void noneIsTheIdentityAndBadSettingsAreRefused() {
        Augmenter none = new Augmenter(AugmentSettings.none(), FashionSamples.SHAPE);
        assertSame(images, none.augment(images, 1));
        assertEquals(Set.of(Operation.SHIFT, Operation.NOISE), AugmentSettings.parseOperations(" shift, NOISE "));
        assertEquals(Set.of(), AugmentSettings.parseOperations("none"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AugmentSettings.parseOperations("shift,rotate"));
        assertTrue(e.getMessage().contains("rotate"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new AugmentSettings(ALL, -1, 2, 0.1, 1));
    }
}
