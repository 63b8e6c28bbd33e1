package io.distill.teacher.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {

    @Test
    void cosineWarmsUpLinearlyThenDecaysToZero() {
        LearningRateSchedule s = new TrainingRecipe("cosine", 1, 0, false, 0).learningRate(0.002f, 10);
        assertEquals(0f, rateAt(s, 0), 1e-9);
        assertEquals(0.001f, rateAt(s, 0.05), 1e-7);
        assertEquals(0.002f, rateAt(s, 0.1), 1e-7);
        // halfway through the decay: half the peak
        assertEquals(0.001f, rateAt(s, 0.55), 1e-7);
        assertEquals(0f, rateAt(s, 1), 1e-9);
        assertEquals(0f, rateAt(s, 7), 1e-9);
        assertEquals(rateAt(s, 0.3), s.getNewValue(12345), 0f);
    }

    @Test
    void fixedKeepsThePeakAfterTheWarmUp() {
        LearningRateSchedule s = TrainingRecipe.PLAIN.learningRate(0.003f, 4);
        assertEquals(0.003f, rateAt(s, 0), 0f);
        assertEquals(0.003f, rateAt(s, 1), 0f);
    }

    @Test
    void badRecipesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new TrainingRecipe("step", 0, 0, false, 0));
        assertThrows(IllegalArgumentException.class, () -> new TrainingRecipe("cosine", -1, 0, false, 0));
        assertThrows(IllegalArgumentException.class, () -> new TrainingRecipe("cosine", 0, -2, false, 0));
        assertThrows(IllegalArgumentException.class, () -> new TrainingRecipe("cosine", 0, 0, false, -5));
    }

    private static float rateAt(LearningRateSchedule s, double progress) {
        s.progress(progress);
        return s.rate();
    }
}
