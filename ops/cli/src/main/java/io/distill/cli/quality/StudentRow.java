package io.distill.cli.quality;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One student of the quality table: which pipeline feeds its trainer, how much of its loss is distillation and which
 * trainer settings it adds. Rows that share a pipeline share its topology and examples topic, so a row that differs
 * only in trainer settings costs one trainer process: the scratch student reads the same examples as the distilled
 * one, but its trainer drops their soft targets ({@code trainer.teacher.targets=ignore}) and learns only from the hard
 * labels that arrived; the augmented, self-tuned and fixed-setting rows read them too, each with its own trainer
 * settings.
 *
 * @param temperature      distillation temperature of the row; null: the experiment's temperature
 * @param trainerSettings  extra trainer settings of this row only (after the experiment's own)
 * @param kind             what the row stands for in the comparisons of the report
 */
public record StudentRow(String name, String description, Pipeline pipeline, Double temperature, double alpha,
                         boolean hardLabelsOnly, Map<String, String> trainerSettings, Kind kind) {

    /** A topology with its teachers and its source of ground truth, writing its own examples and hold-out topics. */
    public record Pipeline(String id, List<String> teachers, boolean allLabels) {
    }

    /** What a row is compared as. */
    public enum Kind {
        /** Hard labels only. */
        SCRATCH,
        /** Distilled from the single-teacher pipeline with one fixed temperature and alpha for the whole run. */
        FIXED,
        /** As the plain distilled row, with the trainer's augmentation on. */
        AUGMENTED,
        /** The single-teacher pipeline with the trainer choosing temperature and alpha itself. */
        SELF_TUNED,
        /** Distilled through another pipeline (all labels, several teachers). */
        OTHER_PIPELINE
    }

    public StudentRow {
        trainerSettings = Map.copyOf(trainerSettings);
    }

    /** The four rows of the experiment, from the teachers and the distillation weight of the distilled rows. */
    public static List<StudentRow> standard(String teacherA, String teacherB, double alpha) {
        Pipeline single = single(teacherA);
        Pipeline allLabels = new Pipeline("p2", List.of(teacherA), true);
        Pipeline multi = new Pipeline("p3", List.of(teacherA, teacherB), false);
        return List.of(
                new StudentRow("scratch", "hard labels that arrived only", single, null, 0.0, true, Map.of(), Kind.SCRATCH),
                new StudentRow("distilled", "soft labels of " + teacherA + " + hard labels that arrived", single, null,
                        alpha, false, Map.of(), Kind.FIXED),
                new StudentRow("distilled-all-labels", "soft labels of " + teacherA + " + every hard label", allLabels,
                        null, alpha, false, Map.of(), Kind.OTHER_PIPELINE),
                new StudentRow("multi-teacher", "ensemble of " + teacherA + " and " + teacherB + " + hard labels that arrived",
                        multi, null, alpha, false, Map.of(), Kind.OTHER_PIPELINE));
    }

    /**
     * The rows that differ from the plain distilled row only in trainer settings, on its pipeline: augmentation
     * ({@code trainer.augment=<augment>}) and self-tuning of temperature and alpha ({@code trainer.tuning=bandit} and
     * {@code plateau}, over the trainer's default grid).
     */
    public static List<StudentRow> trainerVariants(String teacher, double alpha, String augment) {
        Pipeline single = single(teacher);
        String base = "soft labels of " + teacher + " + hard labels that arrived";
        return List.of(
                new StudentRow("distilled+augment", base + ", augment " + augment, single, null, alpha, false,
                        Map.of("trainer.augment", augment), Kind.AUGMENTED),
                new StudentRow("distilled+tuning-bandit", base + ", self-tuned T/alpha (bandit)", single, null, alpha,
                        false, Map.of("trainer.tuning", "bandit"), Kind.SELF_TUNED),
                new StudentRow("distilled+tuning-plateau", base + ", self-tuned T/alpha (plateau)", single, null, alpha,
                        false, Map.of("trainer.tuning", "plateau"), Kind.SELF_TUNED));
    }

    /** One plain distilled row per fixed {@code temperature:alpha} setting, e.g. {@code "2:0.7"}. */
    public static List<StudentRow> fixedSettings(String teacher, List<String> settings) {
        Map<String, StudentRow> rows = new LinkedHashMap<>();
        for (String setting : settings) {
            String[] f = setting.trim().split(":");
            double temperature;
            double alpha;
            try {
                if (f.length != 2) {
                    throw new NumberFormatException();
                }
                temperature = Double.parseDouble(f[0].trim());
                alpha = Double.parseDouble(f[1].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("fixed setting '" + setting + "' is not temperature:alpha, e.g. 2:0.7");
            }
            if (!(temperature > 0) || !(alpha >= 0 && alpha <= 1)) {
                throw new IllegalArgumentException("fixed setting '" + setting
                        + "' needs a temperature > 0 and an alpha in [0, 1]");
            }
            String name = String.format(Locale.ROOT, "distilled-T%s-a%s", plain(temperature), plain(alpha));
            rows.put(name, new StudentRow(name, String.format(Locale.ROOT, "soft labels of %s + hard labels that arrived,"
                    + " fixed T=%s alpha=%s", teacher, plain(temperature), plain(alpha)), single(teacher), temperature,
                    alpha, false, Map.of(), Kind.FIXED));
        }
        return List.copyOf(rows.values());
    }

    private static Pipeline single(String teacher) {
        return new Pipeline("p1", List.of(teacher), false);
    }

    private static String plain(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    /** The model name the row's trainer publishes under. */
    public String model() {
        return "quality-" + name.replace('+', '-');
    }

    /** The row's temperature, or {@code experimentTemperature} when it has none of its own. */
    public double temperatureOr(double experimentTemperature) {
        return temperature != null ? temperature : experimentTemperature;
    }
}
