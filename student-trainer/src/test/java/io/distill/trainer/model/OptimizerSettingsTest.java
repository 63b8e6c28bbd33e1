package io.distill.trainer.model;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class OptimizerSettingsTest {

    private static OptimizerSettings with(String kind, String schedule) {
        return new OptimizerSettings(kind, 0.1f, schedule, 0f, 0.9f, 0);
    }

    @Test
    void buildsEachOptimizerKind() {
        assertEquals("adam", with("adam", "constant").build().type());
        assertEquals("adamw", with("adamw", "constant").build().type());
        assertEquals("sgd-momentum", with("sgd", "constant").build().type());
        assertThrows(IllegalArgumentException.class, () -> with("rmsprop", "constant").build());
    }

    @Test
    void parsesSchedules() {
        assertEquals(0.1f, with("adam", "constant").learningRateSchedule().valueAt(1000), 1e-7);
        assertEquals(0.05f, with("adam", "step:every=10,gamma=0.5").learningRateSchedule().valueAt(10), 1e-7);
        float end = with("adam", "cosine:warmup=10,total=100,floor=0.001").learningRateSchedule().valueAt(100);
        assertEquals(0.001f, end, 1e-6);
        assertThrows(IllegalArgumentException.class, () -> with("adam", "linear").learningRateSchedule());
        assertThrows(IllegalArgumentException.class, () -> with("adam", "step:every").learningRateSchedule());
    }
}
