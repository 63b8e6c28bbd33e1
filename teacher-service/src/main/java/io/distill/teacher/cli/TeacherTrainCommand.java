package io.distill.teacher.cli;

import io.distill.core.architecture.ArchitectureSpec;
import io.distill.teacher.model.DeviceSelection;
import io.distill.teacher.model.TeacherDescriptor;
import io.distill.teacher.train.ConvTeacherTrainer;
import io.distill.teacher.train.ProgressBar;
import io.distill.teacher.train.TeacherTrainingOptions;
import io.distill.teacher.train.TrainingRecipe;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code distill teacher train}: trains a Fashion-MNIST teacher with DJL and saves it for the service. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train a teacher on Fashion-MNIST (Debian dataset-fashion-mnist) with DJL, report its test "
                + "accuracy and save it under <work dir>/teachers/<id>/.",
                "A teacher already saved there is reused, not retrained (use --force to retrain)."})
public final class TeacherTrainCommand implements Callable<Integer> {

    @Option(names = "--id", required = true, description = "Teacher id, e.g. cnn-a.")
    String id;

    @Option(names = "--arch", defaultValue = "cnn",
            description = "Architecture family of core's factory (cnn, mlp). Default: ${DEFAULT-VALUE}.")
    String arch;

    @Option(names = "--arch-params", description = "JSON parameters of the family; default for cnn: "
            + "{\"channels\":[32,64],\"kernel\":3,\"dense\":256,\"dropout\":0.3}. The cnn family also takes "
            + "\"batchNorm\":true (batch normalisation after each convolution; default false).")
    String archParams;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--epochs", defaultValue = "10", description = "Epochs. Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "128", description = "Batch size. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--learning-rate", defaultValue = "0.001", description = "Adam learning rate. Default: ${DEFAULT-VALUE}.")
    float learningRate;

    @Option(names = "--lr-schedule", defaultValue = "cosine",
            description = "Learning-rate schedule: cosine (decay to 0 over the run after the warm-up) or fixed. "
                    + "Default: ${DEFAULT-VALUE}.")
    String lrSchedule;

    @Option(names = "--warmup-epochs", defaultValue = "1",
            description = "Epochs of linear learning-rate warm-up from 0 (fractional allowed, 0: none). "
                    + "Default: ${DEFAULT-VALUE}.")
    double warmupEpochs;

    @Option(names = "--augment-shift", defaultValue = "2",
            description = "Shift each training image by a random -N..N pixels on both axes (0: off). "
                    + "Default: ${DEFAULT-VALUE}.")
    int augmentShift;

    @Option(names = "--augment-flip", defaultValue = "true", negatable = true, fallbackValue = "true",
            description = "Mirror half of the training images horizontally (--no-augment-flip: off). "
                    + "Default: ${DEFAULT-VALUE}.")
    boolean augmentFlip;

    @Option(names = "--time-budget-minutes", defaultValue = "0",
            description = "Stop training after this many minutes even if epochs remain; the learning-rate schedule "
                    + "follows the budget so the run still ends annealed (0: no budget). Default: ${DEFAULT-VALUE}.")
    double timeBudgetMinutes;

    @Option(names = "--train-limit", defaultValue = "0",
            description = "Use only the first N training images (0: all 60,000).")
    int trainLimit;

    @Option(names = "--work-dir", description = "Work directory (default: DISTILL_WORK_DIR or <project>/.distill).")
    Path workDir;

    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu, gpu or gpu:<n>. Default: ${DEFAULT-VALUE}.")
    String device;

    @Option(names = "--force", description = "Retrain even when the teacher is already saved.")
    boolean force;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    /** Default parameters per family for a teacher clearly stronger than the students. */
    static String defaultParams(String family) {
        return switch (family.toLowerCase(Locale.ROOT)) {
            case "cnn" -> "{\"channels\":[32,64],\"kernel\":3,\"dense\":256,\"dropout\":0.3}";
            case "mlp" -> "{\"hidden\":[1200,1200],\"dropout\":0.3}";
            default -> null;
        };
    }

    @Override
    public Integer call() throws Exception {
        Path dir = TeacherStore.teacherDir(workDir != null ? workDir : TeacherStore.defaultWorkDir(), id);
        if (!force && TeacherStore.isSaved(dir)) {
            TeacherDescriptor saved = TeacherDescriptor.read(dir);
            System.out.printf(Locale.ROOT, "teacher %s already trained in %s (test accuracy %.4f); reusing it%n", id,
                    dir, saved.testAccuracy() == null ? Double.NaN : saved.testAccuracy());
            printSummary(saved, dir);
            return 0;
        }
        ArchitectureSpec spec = ArchitectureSpec.fromJson(arch, archParams != null ? archParams : defaultParams(arch));
        TrainingRecipe recipe = new TrainingRecipe(lrSchedule, warmupEpochs, augmentShift, augmentFlip,
                Math.round(timeBudgetMinutes * 60));
        TeacherTrainingOptions options =
                new TeacherTrainingOptions(id, spec, seed, epochs, batchSize, learningRate, trainLimit, 0, recipe);
        System.out.printf("training teacher %s: %s, seed %d, %d epochs, batch %d, lr %s, %s -> %s%n", id, spec, seed,
                epochs, batchSize, learningRate, recipe, dir);
        TeacherDescriptor descriptor = new ConvTeacherTrainer(options, DeviceSelection.resolve(device),
                new ProgressBar(System.err, !quiet)).trainAndSave(dir);
        printSummary(descriptor, dir);
        return 0;
    }

    private static void printSummary(TeacherDescriptor d, Path dir) {
        System.out.println("teacher: " + d.id());
        System.out.println("version: " + d.version());
        System.out.println("architecture: " + d.architectureFamily() + d.architectureSpec());
        System.out.printf(Locale.ROOT, "test_accuracy: %.4f%n", d.testAccuracy() == null ? Double.NaN : d.testAccuracy());
        System.out.printf(Locale.ROOT, "training_seconds: %.1f%n",
                d.trainingSeconds() == null ? Double.NaN : d.trainingSeconds());
        System.out.println("path: " + dir.toAbsolutePath());
    }
}
