package io.distill.cli.quality;

import java.util.LinkedHashMap;
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
        md.append(String.format(Locale.ROOT, "Pipeline time %.1f min, whole run %.1f min.%n",
                result.pipelineTime().toMillis() / 60_000.0, result.totalTime().toMillis() / 60_000.0));
        return md.toString();
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

    private static String key(String name) {
        return name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_").replaceAll("^_|_$", "");
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }
}
