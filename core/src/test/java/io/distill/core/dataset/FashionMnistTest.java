package io.distill.core.dataset;

import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reads the real data set (installed by .ci/run from the Debian package). */
class FashionMnistTest {

    @Test
    void testSplitHasTenThousandImagesOverTenBalancedClasses() throws IOException {
        FashionMnist.Split test = FashionMnist.test();
        assertEquals(10_000, test.size());
        assertEquals(FashionMnist.IMAGE_SIZE, test.images()[0].length);
        int[] perClass = new int[10];
        for (int label : test.labels()) {
            perClass[label]++;
        }
        for (int count : perClass) {
            assertEquals(1_000, count, "Fashion-MNIST's test split has 1,000 images per class");
        }
        float max = 0;
        for (float v : test.images()[0]) {
            assertTrue(v >= 0 && v <= 1);
            max = Math.max(max, v);
        }
        assertTrue(max > 0.5f, "an image is not blank");
    }
}
