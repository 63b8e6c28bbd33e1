package io.distill.trainer.tuning;

import io.distill.trainer.data.Sample;
import io.distill.trainer.eval.HoldoutMetrics;
import io.distill.trainer.schedule.ProgressiveSchedule;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DistillationTunerTest {

    private static final List<DistillationSetting> GRID = DistillationSetting.parseGrid("4:0.9,2:0.7,1:0.5");

    private static TuningSettings settings(TuningMode mode) {
        return new TuningSettings(mode, GRID, 100, TuningObjective.AGREEMENT, 3, 2, 10, 0.2, 0.3, 1, 0.01, 42);
    }

    private static List<Sample> holdout(int n) {
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new Sample("h" + i, new float[]{i}, null, 0, 1f));
        }
        return out;
    }

    @Test
    void withTuningOffTheScheduleDecides() {
        ProgressiveSchedule schedule = ProgressiveSchedule.parse("0:4:0.9,1000:2:0.5", ProgressiveSchedule.Interpolation.STEP);
        DistillationTuner tuner = new DistillationTuner(TuningSettings.off(), schedule);
        assertFalse(tuner.enabled());
        assertEquals(new DistillationSetting(2, 0.5), tuner.current(1500));
        assertTrue(tuner.afterStep(5000, () -> holdout(10), s -> { throw new AssertionError("no scoring"); })
                .isEmpty());
    }

    @Test
    void plateauRuleMovesAlongTheGridAndRecordsWhy() {
        // The agreement rises by 0.05 per window with the first candidate, then stalls.
        double[] agreement = {0.50, 0.55, 0.555};
        int[] calls = {0};
        IdentityHashMap<List<Sample>, Boolean> sets = new IdentityHashMap<>();
        Function<List<Sample>, HoldoutMetrics> scorer = set -> {
            sets.put(set, true);
            double a = agreement[Math.min(calls[0]++, agreement.length - 1)];
            return new HoldoutMetrics(set.size(), a, Double.NaN, 0, 0.3, 0.05);
        };
        DistillationTuner tuner = new DistillationTuner(settings(TuningMode.PLATEAU),
                ProgressiveSchedule.constant(3, 0.8));
        assertEquals(new DistillationSetting(4, 0.9), tuner.current(0));
        assertTrue(tuner.afterStep(0, () -> holdout(1), scorer).isEmpty());    // hold-out too small: waits
        assertTrue(tuner.afterStep(100, () -> holdout(1), scorer).isEmpty());
        assertTrue(tuner.afterStep(200, () -> holdout(5), scorer).isEmpty());  // baseline 0.50, first window
        assertTrue(tuner.afterStep(299, () -> holdout(5), scorer).isEmpty());  // window not over
        assertTrue(tuner.afterStep(300, () -> holdout(5), scorer).isEmpty());  // +0.05: improving
        Optional<TuningChange> change = tuner.afterStep(400, () -> holdout(5), scorer);  // +0.005 < 0.01
        assertTrue(change.isPresent());
        assertEquals(new DistillationSetting(4, 0.9), change.get().from());
        assertEquals(new DistillationSetting(2, 0.7), change.get().to());
        assertEquals(0.005, change.get().gain(), 1e-9);
        assertEquals(400, change.get().atSamples());
        assertTrue(change.get().reason().startsWith("plateau"), change.get().reason());
        assertEquals(new DistillationSetting(2, 0.7), tuner.current(401));
        assertEquals(2.0, tuner.setting(401).temperature());
        assertEquals(1, tuner.changes());
        assertEquals(2, tuner.windows());
        assertEquals(1, sets.size(), "every window is scored on the same frozen snapshot");
        assertEquals(3, sets.keySet().iterator().next().size(), "the newest evalExamples examples");
    }

    @Test
    void resumesWithTheSettingOfTheRestoredCheckpoint() {
        DistillationTuner tuner = new DistillationTuner(settings(TuningMode.BANDIT), ProgressiveSchedule.constant(3, 0.8));
        tuner.resumeWith(new DistillationSetting(1, 0.5));
        assertEquals(new DistillationSetting(1, 0.5), tuner.current(0));
        tuner.resumeWith(new DistillationSetting(7, 0.1));  // not a candidate: ignored
        assertEquals(new DistillationSetting(1, 0.5), tuner.current(0));
    }
}
