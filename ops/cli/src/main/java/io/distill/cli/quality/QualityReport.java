package io.distill.cli.quality;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The quality table as Markdown and the run's figures as {@code name: value} pairs. */
public final class QualityReport {

    private final QualityExperiment.Result result;
    private final QualityExperiment.Settings settings;

    public QualityReport(QualityExperiment.Result result, QualityExperiment.Settings settings) {
        this.result = result;
        this.settings = settings;
    }

    /** The share of the teacher-vs-scratch gap a student closes: 1 = as good as the teacher, 0 = no better than scratch. */
    public static double gapClosed(double student, double scratch, double teacher) {
        return (student - scratch) / (teacher - scratch);
    }

    private QualityExperiment.TeacherScore mainTeacher() {
        return result.teachers().isEmpty() ? null : result.teachers().get(0);
    }

    public String markdown() {
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "Student `%s`; %,d requests (%d passes over %,d training images), %.0f %% of the images"
                        + " with ground truth, %.0f requests/s offered; scored on %,d test images%s.%n%n",
                settings.student(), result.requests(), settings.passes(), settings.trainImages(),
                100 * settings.labelFraction(), settings.requestRate(), settings.testImages(),
                result.drained() ? "" : " (time bound reached before the pipeline drained)"));
        md.append("| model | trained on | test accuracy | gap closed | parameters | checkpoint | samples trained | versions |\n");
        md.append("|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (QualityExperiment.TeacherScore t : result.teachers()) {
            md.append(String.format(Locale.ROOT, "| teacher %s | all 60k labels (offline) | %.2f %% | | %,d | %s | | |%n",
                    t.id(), 100 * t.accuracy(), t.parameters(), size(t.checkpointBytes())));
        }
        QualityExperiment.RowResult scratch = result.row("scratch");
        QualityExperiment.TeacherScore teacher = mainTeacher();
        for (QualityExperiment.RowResult r : result.rows()) {
            String gap = "";
            if (scratch != null && teacher != null && r != scratch && !r.curve().isEmpty() && !scratch.curve().isEmpty()) {
                gap = String.format(Locale.ROOT, "%.0f %%", 100 * gapClosed(r.accuracy(), scratch.accuracy(), teacher.accuracy()));
            }
            CheckpointEvaluator.VersionScore last = r.last();
            md.append(String.format(Locale.ROOT, "| student %s | %s | %s | %s | %s | %s | %,d | %d |%n",
                    r.row().name(), r.row().description(),
                    last == null ? "-" : String.format(Locale.ROOT, "%.2f %%", 100 * last.accuracy()), gap,
                    last == null ? "-" : String.format(Locale.ROOT, "%,d", last.parameters()),
                    last == null ? "-" : size(last.totalBytes()), last == null ? 0 : last.samplesSeen(),
                    r.curve().isEmpty() ? 0 : last.version()));
        }
        ModelThroughput.Comparison c = result.throughput();
        if (c != null) {
            md.append(String.format(Locale.ROOT, "%nInference throughput in the same run (batch %d, best of %d alternating rounds):"
                            + " teacher %s %,.0f images/s, student %s v%d %,.0f images/s, ratio %.2f.%n",
                    c.batchSize(), c.rounds(), c.teacher(), c.teacherImagesPerSecond(), c.student(), c.studentVersion(),
                    c.studentImagesPerSecond(), c.ratio()));
        }
        SettingComparison comparison = new SettingComparison(result);
        if (comparison.applies()) {
            appendSettingComparison(md, comparison);
        }
        md.append(String.format(Locale.ROOT, "Pipeline time %.1f min, whole run %.1f min.%n",
                result.pipelineTime().toMillis() / 60_000.0, result.totalTime().toMillis() / 60_000.0));
        return md.toString();
    }

    /** The rows that differ only in trainer settings, with their hold-out metrics, and the two differences. */
    private void appendSettingComparison(StringBuilder md, SettingComparison c) {
        md.append(String.format(Locale.ROOT, "%nRows on the same examples and hold-out topics, differing only in trainer settings"
                + " (T/alpha and hold-out metrics from the manifest of each row's last published version):%n%n"));
        md.append("| row | T / alpha at the end | setting changes | hold-out agreement | hold-out accuracy | hold-out examples"
                + " | test accuracy | vs distilled |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        QualityExperiment.RowResult distilled = c.plainDistilled().orElse(null);
        for (QualityExperiment.RowResult r : result.rows()) {
            StudentRow.Kind kind = r.row().kind();
            if (r.curve().isEmpty() || (kind != StudentRow.Kind.FIXED && kind != StudentRow.Kind.AUGMENTED
                    && kind != StudentRow.Kind.SELF_TUNED)) {
                continue;
            }
            CheckpointEvaluator.VersionScore last = r.last();
            double changes = last.holdoutMetric("tuning.changes");
            md.append(String.format(Locale.ROOT, "| %s | %s / %s | %s | %s | %s | %s | %.2f %% | %s |%n", r.row().name(),
                    plain(last.holdoutMetric("distillation.temperature")), plain(last.holdoutMetric("distillation.alpha")),
                    Double.isNaN(changes) ? "–" : String.format(Locale.ROOT, "%.0f", changes),
                    percent(SettingComparison.agreement(r)), percent(SettingComparison.holdoutAccuracy(r)),
                    plain(last.holdoutMetric("holdout.examples")), 100 * r.accuracy(),
                    distilled == null || r == distilled ? "" : String.format(Locale.ROOT, "%+.2f", 100 * (r.accuracy() - distilled.accuracy()))));
        }
        md.append('\n');
        for (QualityExperiment.RowResult a : c.scored(StudentRow.Kind.AUGMENTED)) {
            md.append(String.format(Locale.ROOT, "- %s minus distilled: **%+.2f points** of test accuracy.%n",
                    a.row().name(), c.augmentedMinusDistilledPoints(a)));
        }
        List<QualityExperiment.RowResult> tuned = c.scored(StudentRow.Kind.SELF_TUNED);
        c.bestFixed().ifPresent(best -> {
            QualityExperiment.RowResult byTest = c.bestFixedByTest().orElseThrow();
            boolean holdout = c.bestFixedChosenBy() == SettingComparison.Choice.HOLDOUT_AGREEMENT;
            int fixedRows = c.scored(StudentRow.Kind.FIXED).size();
            md.append(String.format(Locale.ROOT, "- Best fixed row %s: %s (of %d fixed row%s)%s.%n",
                    holdout ? "by hold-out agreement" : "by test accuracy (no hold-out metrics; this favours the fixed side)",
                    best.row().name(), fixedRows, fixedRows == 1 ? "" : "s",
                    holdout && byTest != best ? "; by test accuracy it would be " + byTest.row().name() : ""));
            for (QualityExperiment.RowResult t : tuned) {
                md.append(String.format(Locale.ROOT, "- %s minus best fixed (%s): **%+.2f points** of test accuracy%s.%n",
                        t.row().name(), best.row().name(), SettingComparison.minusPoints(t, best),
                        holdout && byTest != best ? String.format(Locale.ROOT, " (%+.2f against %s, the best by test accuracy)",
                                SettingComparison.minusPoints(t, byTest), byTest.row().name()) : ""));
            }
        });
        md.append('\n');
    }

    private static String percent(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.2f %%", 100 * v);
    }

    private static String plain(double v) {
        if (Double.isNaN(v)) {
            return "–";
        }
        return v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%s", v);
    }

    private static String size(long bytes) {
        return bytes >= 1 << 20 ? String.format(Locale.ROOT, "%.2f MB", bytes / 1e6)
                : String.format(Locale.ROOT, "%.0f kB", bytes / 1e3);
    }

    public Map<String, String> figures() {
        Map<String, String> f = new LinkedHashMap<>();
        for (QualityExperiment.TeacherScore t : result.teachers()) {
            f.put("teacher_" + key(t.id()) + "_test_accuracy", fmt(t.accuracy()));
        }
        for (QualityExperiment.RowResult r : result.rows()) {
            f.put(key(r.row().name()) + "_test_accuracy", fmt(r.accuracy()));
        }
        QualityExperiment.RowResult scratch = result.row("scratch");
        QualityExperiment.RowResult distilled = result.row("distilled");
        QualityExperiment.TeacherScore teacher = mainTeacher();
        if (scratch != null && distilled != null && teacher != null) {
            f.put("distilled_minus_scratch_points", fmt(100 * (distilled.accuracy() - scratch.accuracy())));
            f.put("teacher_minus_distilled_points", fmt(100 * (teacher.accuracy() - distilled.accuracy())));
            f.put("gap_closed_distilled", fmt(gapClosed(distilled.accuracy(), scratch.accuracy(), teacher.accuracy())));
        }
        settingFigures(f);
        ModelThroughput.Comparison c = result.throughput();
        if (c != null) {
            f.put("teacher_images_per_s", String.format(Locale.ROOT, "%.0f", c.teacherImagesPerSecond()));
            f.put("student_images_per_s", String.format(Locale.ROOT, "%.0f", c.studentImagesPerSecond()));
            f.put("student_teacher_throughput_ratio", String.format(Locale.ROOT, "%.2f", c.ratio()));
        }
        f.put("requests", Long.toString(result.requests()));
        f.put("labels_sent", Long.toString(result.labels()));
        f.put("pipeline_minutes", String.format(Locale.ROOT, "%.1f", result.pipelineTime().toMillis() / 60_000.0));
        f.put("total_minutes", String.format(Locale.ROOT, "%.1f", result.totalTime().toMillis() / 60_000.0));
        f.put("drained", Boolean.toString(result.drained()));
        return f;
    }

    private void settingFigures(Map<String, String> f) {
        SettingComparison c = new SettingComparison(result);
        if (!c.applies()) {
            return;
        }
        for (StudentRow.Kind kind : List.of(StudentRow.Kind.FIXED, StudentRow.Kind.AUGMENTED, StudentRow.Kind.SELF_TUNED)) {
            for (QualityExperiment.RowResult r : c.scored(kind)) {
                f.put(key(r.row().name()) + "_holdout_agreement", fmt(SettingComparison.agreement(r)));
            }
        }
        for (QualityExperiment.RowResult a : c.scored(StudentRow.Kind.AUGMENTED)) {
            f.put(key(a.row().name()) + "_minus_distilled_points", fmt(c.augmentedMinusDistilledPoints(a)));
        }
        c.bestFixed().ifPresent(best -> {
            QualityExperiment.RowResult byTest = c.bestFixedByTest().orElseThrow();
            f.put("best_fixed_row", best.row().name());
            f.put("best_fixed_chosen_by", c.bestFixedChosenBy().name().toLowerCase(Locale.ROOT));
            f.put("best_fixed_by_test_row", byTest.row().name());
            for (QualityExperiment.RowResult t : c.scored(StudentRow.Kind.SELF_TUNED)) {
                f.put(key(t.row().name()) + "_minus_best_fixed_points", fmt(SettingComparison.minusPoints(t, best)));
                f.put(key(t.row().name()) + "_minus_best_fixed_by_test_points", fmt(SettingComparison.minusPoints(t, byTest)));
                double changes = t.last().holdoutMetric("tuning.changes");
                if (!Double.isNaN(changes)) {
                    f.put(key(t.row().name()) + "_setting_changes", String.format(Locale.ROOT, "%.0f", changes));
                }
            }
        });
    }

    private static String key(String name) {
        return name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_").replaceAll("^_|_$", "");
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }
}
