package io.distill.cli.quality;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rows that differ only in trainer settings: how they are chosen on the command line, and how the report picks the
 * best fixed row and computes the two differences (augmented minus distilled, self-tuned minus best fixed).
 */
class SettingComparisonTest {

    @Test
    void defaultRowsAreUnchanged() {
        QualityBenchmark bench = parse();
        assertEquals(List.of("scratch", "distilled", "distilled-all-labels", "multi-teacher"),
                bench.selectRows().stream().map(StudentRow::name).toList());
    }

    @Test
    void variantRowsShareTheDistilledRowsPipelineWithTheirOwnTrainerSettings() {
        List<StudentRow> rows = parse("--rows", "distilled,distilled+augment,distilled+tuning-bandit",
                "--augment", "shift", "--fixed-settings", "2:0.7,1:0.5,4:0.9").selectRows();
        assertEquals(List.of("distilled", "distilled+augment", "distilled+tuning-bandit", "distilled-T2-a0.7",
                "distilled-T1-a0.5"), rows.stream().map(StudentRow::name).toList(), "4:0.9 is the distilled row's own");
        StudentRow distilled = rows.get(0);
        assertTrue(rows.stream().allMatch(r -> r.pipeline().equals(distilled.pipeline())));
        assertEquals(Map.of("trainer.augment", "shift"), rows.get(1).trainerSettings());
        assertEquals(Map.of("trainer.tuning", "bandit"), rows.get(2).trainerSettings());
        assertEquals(2.0, rows.get(3).temperatureOr(4));
        assertEquals(0.7, rows.get(3).alpha());
        assertEquals(4.0, distilled.temperatureOr(4));
        assertEquals("quality-distilled-augment", rows.get(1).model(), "'+' is not allowed in model names");
    }

    @Test
    void badRowsAndSettingsAreRefusedClearly() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> parse("--rows", "distilled+dropout").selectRows());
        assertTrue(unknown.getMessage().contains("distilled+tuning-plateau"), unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> parse("--fixed-settings", "2-0.7").selectRows());
        assertThrows(IllegalArgumentException.class, () -> parse("--fixed-settings", "2:1.5").selectRows());
        assertThrows(IllegalArgumentException.class,
                () -> parse("--rows", "distilled+augment", "--augment", "none").selectRows());
        assertThrows(IllegalArgumentException.class,
                () -> parse("--rows", "distilled+augment", "--augment", "blur").selectRows());
    }

    @Test
    void bestFixedIsChosenOnTheHoldOutAndTheDifferencesAreInPoints() {
        List<StudentRow> rows = parse("--rows", "scratch,distilled,distilled+augment,distilled+tuning-bandit",
                "--fixed-settings", "2:0.7,1:0.5").selectRows();
        // the T=1 row has the best test accuracy, the T=2 row the best hold-out agreement: the hold-out decides
        QualityExperiment.Result result = result(
                row(rows.get(0), 0.80, Map.of("agreement", 0.81)),
                row(rows.get(1), 0.85, Map.of("agreement", 0.90, "accuracy", 0.86)),
                row(rows.get(2), 0.84, Map.of("agreement", 0.89)),
                row(rows.get(3), 0.855, Map.of("agreement", 0.905, "tuning.changes", 7.0)),
                row(rows.get(4), 0.852, Map.of("agreement", 0.92, "accuracy", 0.85)),
                row(rows.get(5), 0.86, Map.of("agreement", 0.91, "accuracy", 0.90)));
        SettingComparison c = new SettingComparison(result);
        assertTrue(c.applies());
        assertEquals(SettingComparison.Choice.HOLDOUT_AGREEMENT, c.bestFixedChosenBy());
        assertEquals("distilled-T2-a0.7", c.bestFixed().orElseThrow().row().name());
        assertEquals("distilled-T1-a0.5", c.bestFixedByTest().orElseThrow().row().name());

        Map<String, String> figures = new QualityReport(result, settings(rows)).figures();
        assertEquals("-1.0000", figures.get("distilled_augment_minus_distilled_points"));
        assertEquals("0.3000", figures.get("distilled_tuning_bandit_minus_best_fixed_points"));
        assertEquals("-0.5000", figures.get("distilled_tuning_bandit_minus_best_fixed_by_test_points"));
        assertEquals("distilled-T2-a0.7", figures.get("best_fixed_row"));
        assertEquals("holdout_agreement", figures.get("best_fixed_chosen_by"));
        assertEquals("7", figures.get("distilled_tuning_bandit_setting_changes"));
        String markdown = new QualityReport(result, settings(rows)).markdown();
        assertTrue(markdown.contains("| distilled-T2-a0.7 |"), markdown);
        assertTrue(markdown.contains("distilled+tuning-bandit minus best fixed (distilled-T2-a0.7): **+0.30 points**"), markdown);
    }

    @Test
    void withoutHoldOutMetricsTheTestAccuracyChoosesAndTheReportSaysSo() {
        List<StudentRow> rows = parse("--rows", "distilled,distilled+tuning-plateau", "--fixed-settings", "2:0.7").selectRows();
        QualityExperiment.Result result = result(row(rows.get(0), 0.85, Map.of()), row(rows.get(1), 0.84, Map.of()),
                row(rows.get(2), 0.86, Map.of()));
        SettingComparison c = new SettingComparison(result);
        assertEquals(SettingComparison.Choice.TEST_ACCURACY, c.bestFixedChosenBy());
        assertEquals("distilled-T2-a0.7", c.bestFixed().orElseThrow().row().name());
        assertTrue(new QualityReport(result, settings(rows)).markdown().contains("favours the fixed side"));
    }

    @Test
    void thePlainTableHasNoComparison() {
        List<StudentRow> rows = parse("--rows", "scratch,distilled").selectRows();
        QualityExperiment.Result result = result(row(rows.get(0), 0.8, Map.of()), row(rows.get(1), 0.85, Map.of()));
        assertFalse(new SettingComparison(result).applies());
        assertFalse(new QualityReport(result, settings(rows)).figures().containsKey("best_fixed_row"));
    }

    private static QualityBenchmark parse(String... args) {
        QualityBenchmark bench = new QualityBenchmark();
        new CommandLine(bench).parseArgs(args);
        return bench;
    }

    private static QualityExperiment.RowResult row(StudentRow row, double accuracy, Map<String, Double> metrics) {
        return new QualityExperiment.RowResult(row, List.of(new CheckpointEvaluator.VersionScore(3, 9_000, accuracy,
                800_000, 200_000, metrics)), 9_000, 3_000);
    }

    private static QualityExperiment.Result result(QualityExperiment.RowResult... rows) {
        return new QualityExperiment.Result(List.of(new QualityExperiment.TeacherScore("cnn-a", 0.9, 200_000, 800_000)),
                List.of(rows), null, 3_000, 150, Duration.ofMinutes(1), Duration.ofMinutes(2), true);
    }

    private static QualityExperiment.Settings settings(List<StudentRow> rows) {
        return new QualityExperiment.Settings(Path.of("."), rows, "mlp:128", 3_000, 1, 0.05, Duration.ZERO, 400, 4,
                0.05, 10_000, 1, 0.001, 1_000, 3, Duration.ofMinutes(5), List.of());
    }
}
