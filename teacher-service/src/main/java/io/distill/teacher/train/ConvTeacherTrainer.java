package io.distill.teacher.train;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import io.distill.core.architecture.ArchitectureFactory;
import io.distill.core.checkpoint.BlockParameters;
import io.distill.core.checkpoint.Checkpoint;
import io.distill.core.checkpoint.CheckpointWriter;
import io.distill.core.dataset.FashionMnist;
import io.distill.core.softtarget.SoftTargets;
import io.distill.schema.LabelSpace;
import io.distill.teacher.model.TeacherDescriptor;
import io.distill.teacher.model.TeacherFormat;
import io.distill.teacher.model.TeacherInference;
import io.distill.teacher.model.TeacherLoader;
import io.distill.teacher.model.TeacherModel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a teacher on Fashion-MNIST with DJL (Trainer, GradientCollector, one sub-manager per batch,
 * Adam, softmax cross-entropy, the {@link TrainingRecipe}'s learning-rate schedule and
 * augmentation), measures its test accuracy, and saves it as a teacher directory:
 * core's checkpoint container ({@value #WEIGHTS_FILE}: architecture, parameters, label space) plus
 * the {@link TeacherDescriptor} with the accuracy and training time.
 */
public final class ConvTeacherTrainer {

    /** Name of the checkpoint file inside a DJL-native teacher directory. */
    public static final String WEIGHTS_FILE = "teacher.ckpt";

    private static final Logger log = LoggerFactory.getLogger(ConvTeacherTrainer.class);

    private final TeacherTrainingOptions options;
    private final Device device;
    private final ProgressBar progress;

    public ConvTeacherTrainer(TeacherTrainingOptions options, Device device, ProgressBar progress) {
        this.options = options;
        this.device = device;
        this.progress = progress;
    }

    /**
     * Trains, evaluates and saves the teacher.
     *
     * @param directory the teacher directory to write (created; replaced if present)
     * @return the saved descriptor, with test accuracy and training seconds
     */
    public TeacherDescriptor trainAndSave(Path directory) throws IOException {
        FashionMnist.Split train = limit(FashionMnist.train(), options.trainLimit());
        FashionMnist.Split test = limit(FashionMnist.test(), options.testLimit());
        int[] shape = FashionMnist.IMAGE_SHAPE;
        int classes = FashionMnist.CLASS_NAMES.size();
        LabelSpace labelSpace = LabelSpace.newBuilder()
                .setId(FashionMnist.LABEL_SPACE_ID)
                .setVersion(FashionMnist.LABEL_SPACE_VERSION)
                .setClassNames(FashionMnist.CLASS_NAMES)
                .build();

        long start = System.nanoTime();
        Engine.getInstance().setRandomSeed((int) options.seed());
        Checkpoint checkpoint;
        int stepsPerEpoch = (train.size() + options.batchSize() - 1) / options.batchSize();
        LearningRateSchedule schedule = options.recipe().learningRate(options.learningRate(), options.epochs());
        long steps;
        try (Model model = Model.newInstance(options.id(), device, "PyTorch")) {
            Block block = ArchitectureFactory.build(options.architecture(), shape, classes);
            model.setBlock(block);
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Optimizer.adam().optLearningRateTracker(schedule).build())
                    .optInitializer(new XavierInitializer(), Parameter.Type.WEIGHT)
                    .optDevices(new Device[] {device});
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(ArchitectureFactory.batchShape(options.batchSize(), shape));
                steps = fit(trainer, train, shape, schedule);
            }
            checkpoint = Checkpoint.builder()
                    .architecture(options.architecture())
                    .inputShape(shape)
                    .labelSpace(labelSpace)
                    .numClasses(classes)
                    .parameters(BlockParameters.export(block))
                    .metadata("teacherId", options.id())
                    .metadata("seed", Long.toString(options.seed()))
                    .metadata("epochs", Integer.toString(epochsRun(steps, stepsPerEpoch)))
                    .metadata("steps", steps + " of " + (long) stepsPerEpoch * options.epochs())
                    .metadata("recipe", options.recipe() + ", batch " + options.batchSize() + ", lr "
                            + options.learningRate())
                    .build();
        }
        double seconds = (System.nanoTime() - start) / 1e9;

        Files.createDirectories(directory);
        Path tmp = directory.resolve(WEIGHTS_FILE + ".tmp");
        Files.write(tmp, CheckpointWriter.write(checkpoint));
        Files.move(tmp, directory.resolve(WEIGHTS_FILE), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        TeacherDescriptor descriptor = new TeacherDescriptor(options.id(),
                TeacherLoader.contentVersion(directory.resolve(WEIGHTS_FILE)), TeacherFormat.DJL, WEIGHTS_FILE,
                labelSpace.getId(), labelSpace.getVersion(), FashionMnist.CLASS_NAMES, shape,
                options.architecture().family(), options.architecture().canonicalJson(), options.seed(),
                epochsRun(steps, stepsPerEpoch), null, null);
        descriptor.write(directory);

        // Evaluate the saved teacher, exactly as the service will load it.
        double accuracy;
        try (TeacherModel saved = TeacherLoader.load(directory, device)) {
            accuracy = accuracy(saved, test);
        }
        descriptor = descriptor.withTraining(accuracy, seconds);
        descriptor.write(directory);
        log.info("teacher {} ({}): test accuracy {} after {} epochs, trained in {} s", options.id(),
                options.architecture(), String.format(Locale.ROOT, "%.4f", accuracy),
                String.format(Locale.ROOT, "%.2f", steps / (double) stepsPerEpoch),
                String.format(Locale.ROOT, "%.1f", seconds));
        return descriptor;
    }

    /** @return epochs begun: the planned ones, or fewer when the time budget ended the run */
    private static int epochsRun(long steps, int stepsPerEpoch) {
        return (int) ((steps + stepsPerEpoch - 1) / stepsPerEpoch);
    }

    /**
     * Runs the planned epochs, or until the recipe's time budget is spent.
     *
     * @return the optimiser steps taken
     */
    private long fit(Trainer trainer, FashionMnist.Split train, int[] shape, LearningRateSchedule schedule) {
        int n = train.size();
        int batch = options.batchSize();
        int perImage = FashionMnist.IMAGE_SIZE;
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Random random = new Random(options.seed());
        long totalSteps = (long) options.epochs() * ((n + batch - 1) / batch);
        long step = 0;
        long started = System.nanoTime();
        FloatBuffer x = ByteBuffer.allocateDirect(batch * perImage * Float.BYTES).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        float[] y = new float[batch];
        TrainingRecipe recipe = options.recipe();
        ImageAugmentation augmentation = recipe.augments()
                ? new ImageAugmentation(chw(shape), recipe.shiftPixels(), recipe.horizontalFlip())
                : null;
        float[] augmented = new float[perImage];
        double budget = recipe.timeBudgetSeconds();
        boolean outOfTime = false;
        for (int epoch = 1; epoch <= options.epochs() && !outOfTime; epoch++) {
            shuffle(order, random);
            double lossSum = 0;
            int lossCount = 0;
            for (int from = 0; from < n && !outOfTime; from += batch) {
                double used = (System.nanoTime() - started) / 1e9;
                schedule.progress(Math.max(step / (double) totalSteps, budget > 0 ? used / budget : 0));
                int size = Math.min(batch, n - from);
                x.clear();
                for (int i = 0; i < size; i++) {
                    float[] image = train.images()[order[from + i]];
                    if (augmentation != null) {
                        augmentation.apply(image, augmented, random);
                        image = augmented;
                    }
                    x.put(image);
                    y[i] = train.labels()[order[from + i]];
                }
                x.flip();
                try (NDManager scope = trainer.getManager().newSubManager()) {
                    NDArray inputs = scope.create(x, ArchitectureFactory.batchShape(size, shape));
                    NDArray labels = scope.create(size == batch ? y : java.util.Arrays.copyOf(y, size), new Shape(size));
                    try (GradientCollector collector = trainer.newGradientCollector()) {
                        NDArray logits = trainer.forward(new NDList(inputs)).singletonOrThrow();
                        NDArray loss = trainer.getLoss().evaluate(new NDList(labels), new NDList(logits));
                        collector.backward(loss);
                        float value = loss.getFloat();
                        if (!Float.isFinite(value)) {
                            throw new IllegalStateException("training teacher " + options.id() + " diverged: loss "
                                    + value + " at step " + (step + 1) + " (epoch " + epoch + "); lower the learning "
                                    + "rate or lengthen the warm-up");
                        }
                        lossSum += value;
                        lossCount++;
                    }
                    trainer.step();
                }
                step++;
                double elapsed = (System.nanoTime() - started) / 1e9;
                outOfTime = budget > 0 && elapsed >= budget;
                progress.update(step, totalSteps, String.format(Locale.ROOT,
                        "epoch %d/%d loss %.3f %.0f img/s", epoch, options.epochs(), lossSum / lossCount,
                        step * (double) batch / Math.max(elapsed, 1e-9)));
            }
            log.info("teacher {} epoch {}/{}: mean loss {}, learning rate {}, {} s", options.id(), epoch,
                    options.epochs(), String.format(Locale.ROOT, "%.4f", lossSum / Math.max(1, lossCount)),
                    schedule.rate(), String.format(Locale.ROOT, "%.0f", (System.nanoTime() - started) / 1e9));
        }
        if (outOfTime) {
            log.info("teacher {}: time budget of {} s spent after {} of {} steps", options.id(), (long) budget, step,
                    totalSteps);
        }
        progress.finish(String.format(Locale.ROOT, "trained %s: %.2f epochs in %.0f s", options.id(),
                step / (double) ((n + batch - 1) / batch), (System.nanoTime() - started) / 1e9));
        return step;
    }

    /**
     * @param teacher a loaded teacher
     * @param split labelled images
     * @return the share of images whose argmax is the label
     */
    public static double accuracy(TeacherModel teacher, FashionMnist.Split split) {
        int correct = 0;
        int batch = 256;
        try (TeacherInference inference = teacher.newInference()) {
            for (int from = 0; from < split.size(); from += batch) {
                int size = Math.min(batch, split.size() - from);
                float[][] inputs = new float[size][];
                System.arraycopy(split.images(), from, inputs, 0, size);
                float[][] out = inference.logProbabilities(inputs);
                for (int i = 0; i < size; i++) {
                    if (SoftTargets.argmax(out[i]) == split.labels()[from + i]) {
                        correct++;
                    }
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("evaluating teacher " + teacher.id() + " failed: " + e.getMessage(), e);
        }
        return split.size() == 0 ? 0 : (double) correct / split.size();
    }

    private static int[] chw(int[] shape) {
        return shape.length == 3 ? shape : new int[] {1, shape[shape.length - 2], shape[shape.length - 1]};
    }

    private static FashionMnist.Split limit(FashionMnist.Split split, int limit) {
        if (limit <= 0 || limit >= split.size()) {
            return split;
        }
        float[][] x = new float[limit][];
        int[] y = new int[limit];
        System.arraycopy(split.images(), 0, x, 0, limit);
        System.arraycopy(split.labels(), 0, y, 0, limit);
        return new FashionMnist.Split(split.name(), x, y);
    }

    private static void shuffle(int[] a, Random random) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
