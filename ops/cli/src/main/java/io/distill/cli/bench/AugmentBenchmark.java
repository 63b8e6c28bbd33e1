package io.distill.cli.bench;

import io.distill.trainer.augment.AugmentSettings;
import io.distill.trainer.augment.Augmenter;
import io.distill.trainer.config.ArchitectureSpecs;
import io.distill.trainer.model.StudentNetwork;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code distill bench augment}: the same student trained on the same teacher-labelled Fashion-MNIST images, in
 * the same order from the same initial weights, without augmentation and with each configured augmentation (the
 * trainer's {@link Augmenter}, seeded); reports test accuracy and agreement with the teacher of each.
 */
@Command(name = "augment", mixinStandardHelpOptions = true,
        description = "Student accuracy with and without training-data augmentation on the same data.")
public final class AugmentBenchmark implements Callable<Integer> {

    @Option(names = "--teacher", description = "Saved teacher under .distill/teachers (default: ${DEFAULT-VALUE}).")
    String teacher = "cnn-a";

    @Option(names = "--architecture", description = "Student (default: ${DEFAULT-VALUE}).")
    String architecture = "mlp:256";

    @Option(names = "--train-samples", description = "Teacher-labelled training images (default: ${DEFAULT-VALUE}).")
    int trainSamples = 5_000;

    @Option(names = "--test-samples", description = "Test images scored (default: ${DEFAULT-VALUE}).")
    int testSamples = 10_000;

    @Option(names = "--epochs", description = "Epochs over the training images (default: ${DEFAULT-VALUE}).")
    int epochs = 10;

    @Option(names = "--batch-size", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batchSize = 128;

    @Option(names = "--variants", split = ";", description = "Augmentations compared with none, as trainer.augment "
            + "values separated by ';' (default: ${DEFAULT-VALUE}).")
    List<String> variants = List.of("noise", "shift", "shift,crop,noise");

    @Option(names = "--shift", description = "trainer.augment.shift.pixels (default: ${DEFAULT-VALUE}).")
    int shift = 2;

    @Option(names = "--crop-padding", description = "trainer.augment.crop.padding (default: ${DEFAULT-VALUE}).")
    int cropPadding = 2;

    @Option(names = "--noise-std", description = "trainer.augment.noise.std (default: ${DEFAULT-VALUE}).")
    double noiseStd = 0.05;

    @Option(names = "--threads", description = "ai.djl.pytorch.num_threads (default: ${DEFAULT-VALUE}).")
    int threads = 1;

    @Override
    public Integer call() throws Exception {
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        long t0 = System.nanoTime();
        TeacherLabelledFashion data = TeacherLabelledFashion.load(teacher, trainSamples, testSamples);
        StudentRuns.Budget budget = new StudentRuns.Budget(ArchitectureSpecs.parse(architecture, 0.0), epochs,
                batchSize, 2e-3f, 2f, 0.7f, 42);
        Map<String, String> results = new LinkedHashMap<>();
        results.put("teacher", teacher);
        results.put("teacher_test_accuracy", f4(data.teacherTestAccuracy()));
        results.put("student", architecture);
        results.put("train_samples", Integer.toString(data.train().size()));
        results.put("epochs", Integer.toString(epochs));
        run("none", budget, data, null, results);
        for (String variant : variants) {
            AugmentSettings settings = new AugmentSettings(AugmentSettings.parseOperations(variant), shift,
                    cropPadding, noiseStd, 42);
            run(variant.replace(',', '+'), budget, data,
                    new Augmenter(settings, TeacherLabelledFashion.SHAPE), results);
        }
        results.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
        results.put("total_s", String.format(Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 1e9));
        results.forEach((k, v) -> System.out.println(k + ": " + v));
        return 0;
    }

    private static void run(String name, StudentRuns.Budget budget, TeacherLabelledFashion data, Augmenter augmenter,
                            Map<String, String> results) {
        long start = System.nanoTime();
        try (StudentNetwork net = StudentRuns.train(budget, data.train(), false, augmenter)) {
            double[][] test = net.logProbs(data.test());
            double[][] train = net.logProbs(data.train());
            results.put(name + ".test_accuracy", f4(TeacherLabelledFashion.accuracy(data.test(), test)));
            results.put(name + ".test_teacher_agreement", f4(agreement(data.test(), test)));
            results.put(name + ".train_accuracy", f4(TeacherLabelledFashion.accuracy(data.train(), train)));
            results.put(name + ".training_s", String.format(Locale.ROOT, "%.1f", (System.nanoTime() - start) / 1e9));
        }
    }

    private static double agreement(List<io.distill.trainer.data.Sample> samples, double[][] logProbs) {
        int same = 0;
        for (int i = 0; i < samples.size(); i++) {
            double[] row = logProbs[i];
            int best = 0;
            for (int c = 1; c < row.length; c++) {
                if (row[c] > row[best]) {
                    best = c;
                }
            }
            same += best == samples.get(i).teacherArgmax() ? 1 : 0;
        }
        return (double) same / samples.size();
    }

    private static String f4(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }
}
