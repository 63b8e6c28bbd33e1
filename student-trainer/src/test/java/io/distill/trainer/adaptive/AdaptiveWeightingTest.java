package io.distill.trainer.adaptive;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdaptiveWeightingTest {

    private static float[] log(double... p) {
        float[] l = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            l[i] = (float) Math.log(p[i]);
        }
        return l;
    }

    private final float[][] teacher = {log(0.9, 0.1), log(0.5, 0.5)};

    @Test
    void noneGivesOnes() {
        assertArrayEquals(new float[]{1, 1}, AdaptiveWeighting.NONE.factors(teacher, null));
        assertFalse(AdaptiveWeighting.NONE.needsStudent());
    }

    @Test
    void confidenceFavoursConfidentTeachersAndKeepsMeanOne() {
        float[] f = AdaptiveWeighting.CONFIDENCE.factors(teacher, null);
        // raw 0.9 and 0.5, rescaled to mean 1: 2*0.9/1.4 and 2*0.5/1.4
        assertEquals(1.8 / 1.4, f[0], 1e-6);
        assertEquals(1.0 / 1.4, f[1], 1e-6);
    }

    @Test
    void disagreementFavoursExamplesTheStudentGetsWrong() {
        float[][] student = {{0.9f, 0.1f}, {0.0f, 1.0f}};
        float[] f = AdaptiveWeighting.DISAGREEMENT.factors(teacher, student);
        // TV: 0 and 0.5 -> raw 1 and 1.5, mean-one: 0.8 and 1.2
        assertEquals(0.8, f[0], 1e-6);
        assertEquals(1.2, f[1], 1e-6);
        assertTrue(AdaptiveWeighting.DISAGREEMENT.needsStudent());
    }

    @Test
    void examplesWithoutTeacherCountAsOne() {
        float[] f = AdaptiveWeighting.CONFIDENCE.factors(new float[][]{null, null}, null);
        assertArrayEquals(new float[]{1, 1}, f);
    }
}
