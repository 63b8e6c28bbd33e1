package io.distill.cli.quality;

import java.util.List;

/**
 * One student of the quality table: which pipeline feeds its trainer and how much of its loss is distillation. Rows
 * that share a pipeline share its topology and examples topic (the scratch student reads the same examples as the
 * distilled one, but its trainer drops their soft targets, {@code trainer.teacher.targets=ignore}, and learns only
 * from the hard labels that arrived).
 */
public record StudentRow(String name, String description, Pipeline pipeline, double alpha, boolean hardLabelsOnly) {

    /** A topology with its teachers and its source of ground truth, writing its own examples and hold-out topics. */
    public record Pipeline(String id, List<String> teachers, boolean allLabels) {
    }

    /** The four rows of the experiment, from the teachers and the distillation weight of the distilled rows. */
    public static List<StudentRow> standard(String teacherA, String teacherB, double alpha) {
        Pipeline single = new Pipeline("p1", List.of(teacherA), false);
        Pipeline allLabels = new Pipeline("p2", List.of(teacherA), true);
        Pipeline multi = new Pipeline("p3", List.of(teacherA, teacherB), false);
        return List.of(
                new StudentRow("scratch", "hard labels that arrived only", single, 0.0, true),
                new StudentRow("distilled", "soft labels of " + teacherA + " + hard labels that arrived", single, alpha, false),
                new StudentRow("distilled-all-labels", "soft labels of " + teacherA + " + every hard label", allLabels, alpha, false),
                new StudentRow("multi-teacher", "ensemble of " + teacherA + " and " + teacherB + " + hard labels that arrived",
                        multi, alpha, false));
    }

    /** The model name the row's trainer publishes under. */
    public String model() {
        return "quality-" + name;
    }
}
