package io.distill.trainer.schedule;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ProgressiveScheduleTest {

    @Test
    void stepScheduleHoldsEachStageUntilTheNext() {
        ProgressiveSchedule s = ProgressiveSchedule.parse("0:4:0.9, 1000:2:0.7, 5000:1:0.5",
                ProgressiveSchedule.Interpolation.STEP);
        assertEquals(4.0, s.at(0).temperature());
        assertEquals(0.9, s.at(999).alpha());
        assertEquals(2.0, s.at(1000).temperature());
        assertEquals(0.7, s.at(4999).alpha());
        assertEquals(1.0, s.at(1_000_000).temperature());
    }

    @Test
    void linearScheduleAnnealsBetweenStages() {
        ProgressiveSchedule s = ProgressiveSchedule.parse("0:4:0.9,1000:2:0.5", ProgressiveSchedule.Interpolation.LINEAR);
        assertEquals(3.0, s.at(500).temperature(), 1e-12);
        assertEquals(0.7, s.at(500).alpha(), 1e-12);
        assertEquals(2.0, s.at(1000).temperature(), 1e-12);
        assertEquals(0.5, s.at(99_999).alpha(), 1e-12);
    }

    @Test
    void stagesMayBeDeclaredInAnyOrder() {
        ProgressiveSchedule s = ProgressiveSchedule.parse("100:1:0.1,0:3:0.8", ProgressiveSchedule.Interpolation.STEP);
        assertEquals(3.0, s.at(50).temperature());
    }

    @Test
    void rejectsMalformedSchedules() {
        assertThrows(IllegalArgumentException.class,
                () -> ProgressiveSchedule.parse("10:4:0.9", ProgressiveSchedule.Interpolation.STEP));
        assertThrows(IllegalArgumentException.class,
                () -> ProgressiveSchedule.parse("0:4", ProgressiveSchedule.Interpolation.STEP));
        assertThrows(IllegalArgumentException.class,
                () -> ProgressiveSchedule.parse("0:0:0.5", ProgressiveSchedule.Interpolation.STEP));
        assertThrows(IllegalArgumentException.class,
                () -> ProgressiveSchedule.parse("0:2:1.5", ProgressiveSchedule.Interpolation.STEP));
        assertThrows(IllegalArgumentException.class,
                () -> ProgressiveSchedule.parse("0:2:0.5,0:1:0.5", ProgressiveSchedule.Interpolation.STEP));
    }
}
