package io.distill.cli.quality;

import io.distill.cli.demo.DatasetCheck;
import io.distill.cli.demo.LearningCurveChart;
import io.distill.trainer.augment.AugmentSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code distill bench quality}: the distillation quality table through the real pipeline (see {@link
 * QualityExperiment}). Prints the table, writes it as Markdown with the learning curve (PNG and CSV) into the output
 * directory, and ends with the figures as {@code name: value} lines.
 */
@Command(name = "quality", mixinStandardHelpOptions = true,
        description = {"Distillation quality on Fashion-MNIST through the real pipeline: teachers, a scratch student and",
                "distilled students (5% labels, all labels, two teachers; optionally augmented, self-tuned and fixed",
                "T/alpha rows on the same examples) scored on the 10k test images."})
public final class QualityBenchmark implements Callable<Integer> {

    @Option(names = "--work-dir", defaultValue = ".distill", description = "Where the teachers are saved (default ${DEFAULT-VALUE}).")
    Path workDir;

    @Option(names = "--output", description = "Where the table and learning curve go (default <work-dir>/quality).")
    Path output;

    @Option(names = "--teacher", defaultValue = "cnn-a", description = "Teacher of the single-teacher rows (default ${DEFAULT-VALUE}).")
    String teacher;

    @Option(names = "--second-teacher", defaultValue = "cnn-b", description = "Second teacher of the multi-teacher row (default ${DEFAULT-VALUE}).")
    String secondTeacher;

    @Option(names = "--rows", split = ",", defaultValue = "scratch,distilled,distilled-all-labels,multi-teacher",
            description = {"Student rows to run (default ${DEFAULT-VALUE}); also distilled+augment,",
                    "distilled+tuning-bandit and distilled+tuning-plateau, which reuse the distilled row's examples."})
    List<String> rows;

    @Option(names = "--augment", defaultValue = "noise",
            description = "trainer.augment of the distilled+augment row: shift, crop, noise or a comma list (default ${DEFAULT-VALUE}).")
    String augment;

    @Option(names = "--fixed-settings", split = ",", paramLabel = "T:ALPHA",
            description = {"Adds one distilled row per fixed temperature:alpha, on the distilled row's examples",
                    "(e.g. 2:0.7,1:0.5), for comparison with the self-tuned rows."})
    List<String> fixedSettings = new ArrayList<>();

    @Option(names = "--student", defaultValue = "mlp:256", description = "Student architecture of every row (default ${DEFAULT-VALUE}).")
    String student;

    @Option(names = "--train-images", defaultValue = "60000", description = "Training images replayed per pass (default ${DEFAULT-VALUE}).")
    int trainImages;

    @Option(names = "--passes", defaultValue = "3", description = "Passes over the training images, each under new request ids (default ${DEFAULT-VALUE}).")
    int passes;

    @Option(names = "--label-fraction", defaultValue = "0.05", description = "Share of the training images whose ground truth arrives (default ${DEFAULT-VALUE}).")
    double labelFraction;

    @Option(names = "--label-delay-ms", defaultValue = "0", description = "Delay of ground truth after its request (default ${DEFAULT-VALUE}).")
    long labelDelayMs;

    @Option(names = "--rate", defaultValue = "400", description = "Requests per second offered (default ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--temperature", defaultValue = "4", description = "Distillation temperature of the distilled rows (default ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--alpha", defaultValue = "0.9", description = "Weight of the soft-target term in the distilled rows (default ${DEFAULT-VALUE}).")
    double alpha;

    @Option(names = "--holdout-fraction", defaultValue = "0.05", description = "Share of sample keys the topology holds out (default ${DEFAULT-VALUE}).")
    double holdoutFraction;

    @Option(names = "--replay-capacity", defaultValue = "20000", description = "Trainer replay reservoir size (default ${DEFAULT-VALUE}).")
    int replayCapacity;

    @Option(names = "--replay-ratio", defaultValue = "1.0", description = "Replayed examples per fresh example (default ${DEFAULT-VALUE}).")
    double replayRatio;

    @Option(names = "--lr", defaultValue = "0.001", description = "Trainer learning rate (default ${DEFAULT-VALUE}).")
    double learningRate;

    @Option(names = "--test-images", defaultValue = "10000", description = "Test images scored per checkpoint (default ${DEFAULT-VALUE}).")
    int testImages;

    @Option(names = "--curve-points", defaultValue = "8", description = "Published versions aimed for per row, each scored on the curve (default ${DEFAULT-VALUE}).")
    int curvePoints;

    @Option(names = "--max-minutes", defaultValue = "45", description = "Bound of the whole run (default ${DEFAULT-VALUE}).")
    double maxMinutes;

    @Option(names = "--trainer-set", description = "Extra trainer setting KEY=VALUE for every row; repeatable.")
    List<String> trainerSettings = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        DatasetCheck.ensure();
        List<StudentRow> selected = selectRows();
        Path out = (output != null ? output : workDir.resolve("quality")).toAbsolutePath();
        Files.createDirectories(out);
        QualityExperiment.Settings settings = new QualityExperiment.Settings(workDir, selected, student, trainImages,
                passes, labelFraction, Duration.ofMillis(labelDelayMs), rate, temperature, holdoutFraction, replayCapacity,
                replayRatio, learningRate, testImages, curvePoints, Duration.ofMillis((long) (maxMinutes * 60_000)),
                trainerSettings);
        System.out.printf(Locale.ROOT, "Quality experiment: %d rows, student %s, %,d requests (%d x %,d images), %.0f%% labels, %.0f req/s%n",
                selected.size(), student, settings.requests(), passes, trainImages, 100 * labelFraction, rate);
        QualityExperiment.Result result = new QualityExperiment(settings, out.resolve("run"), "distill.").run();
        QualityReport report = new QualityReport(result, settings);
        String markdown = report.markdown();
        System.out.println();
        System.out.println(markdown);
        Files.writeString(out.resolve("quality-table.md"), markdown);
        writeCurve(result, out);
        System.out.println("Table: " + out.resolve("quality-table.md") + "; learning curve: " + out.resolve("learning-curve.png")
                + " (data: " + out.resolve("learning-curve.csv") + ")");
        report.figures().forEach((k, v) -> System.out.println(k + ": " + v));
        return result.rows().stream().allMatch(r -> !r.curve().isEmpty()) ? 0 : 1;
    }

    /** The rows named by --rows, then one per --fixed-settings entry; each row once. */
    List<StudentRow> selectRows() {
        if (AugmentSettings.parseOperations(augment).isEmpty()) {
            throw new IllegalArgumentException("--augment must name at least one of shift, crop, noise: '" + augment + "'");
        }
        List<StudentRow> all = new ArrayList<>(StudentRow.standard(teacher, secondTeacher, alpha));
        all.addAll(StudentRow.trainerVariants(teacher, alpha, augment));
        List<StudentRow> selected = new ArrayList<>();
        for (String name : rows) {
            StudentRow row = all.stream().filter(r -> r.name().equals(name.trim())).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unknown row '" + name + "'; known: "
                            + all.stream().map(StudentRow::name).toList() + " and --fixed-settings T:ALPHA"));
            if (!selected.contains(row)) {
                selected.add(row);
            }
        }
        boolean distilled = selected.stream().anyMatch(r -> r.name().equals("distilled"));
        for (StudentRow row : StudentRow.fixedSettings(teacher, fixedSettings)) {
            if (distilled && row.temperature() == temperature && row.alpha() == alpha) {
                System.out.printf(Locale.ROOT, "Fixed setting %s:%s is the distilled row's own; not run twice.%n",
                        row.temperature(), row.alpha());
            } else if (selected.stream().noneMatch(r -> r.name().equals(row.name()))) {
                selected.add(row);
            }
        }
        return selected;
    }

    private void writeCurve(QualityExperiment.Result result, Path out) throws IOException {
        List<LearningCurveChart.Series> series = new ArrayList<>();
        for (QualityExperiment.RowResult r : result.rows()) {
            List<LearningCurveChart.Point> points = r.curve().stream()
                    .map(s -> new LearningCurveChart.Point(s.samplesSeen(), s.accuracy(), s.version())).toList();
            series.add(new LearningCurveChart.Series(r.row().name(), points));
        }
        List<LearningCurveChart.Reference> refs = result.teachers().stream()
                .map(t -> new LearningCurveChart.Reference("teacher " + t.id(), t.accuracy())).toList();
        LearningCurveChart.writePng(out.resolve("learning-curve.png"),
                "Test accuracy of published checkpoints (" + student + ")",
                String.format(Locale.ROOT, "test accuracy (%,d Fashion-MNIST test images)", testImages), series, refs);
        LearningCurveChart.writeCsv(out.resolve("learning-curve.csv"), series, refs);
    }
}
