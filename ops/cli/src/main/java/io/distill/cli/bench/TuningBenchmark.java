package io.distill.cli.bench;

import ai.djl.Device;
import io.distill.core.architecture.ArchitectureSpec;
import io.distill.core.dataset.FashionMnist;
import io.distill.schema.LabelSpace;
import io.distill.teacher.cli.TeacherStore;
import io.distill.teacher.model.TeacherInference;
import io.distill.teacher.model.TeacherLoader;
import io.distill.teacher.model.TeacherModel;
import io.distill.trainer.adaptive.AdaptiveWeighting;
import io.distill.trainer.config.ArchitectureSpecs;
import io.distill.trainer.data.Sample;
import io.distill.trainer.eval.HoldoutMetrics;
import io.distill.trainer.eval.HoldoutScorer;
import io.distill.trainer.model.OptimizerSettings;
import io.distill.trainer.model.StudentNetwork;
import io.distill.trainer.replay.ReplayBuffer;
import io.distill.trainer.schedule.DistillationStage;
import io.distill.trainer.schedule.ProgressiveSchedule;
import io.distill.trainer.tuning.DistillationSetting;
import io.distill.trainer.tuning.DistillationTuner;
import io.distill.trainer.tuning.TuningMode;
import io.distill.trainer.tuning.TuningObjective;
import io.distill.trainer.tuning.TuningSettings;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code distill bench tuning}: self-tuning distillation against every fixed (temperature, alpha) of its grid. A saved
 * teacher labels a Fashion-MNIST stream in process; the same student (same seed, same stream order, same replay)
 * is then trained once per fixed candidate and once per self-tuning mode, with the trainer's own training step,
 * replay buffer and tuner. The hold-out set (the first test images, teacher-labelled, with ground truth) is what the
 * tuner scores its windows on and what picks the "best fixed" setting; the remaining test images, never seen by any
 * run's decisions, give the reported test accuracy.
 */
@Command(name = "tuning", mixinStandardHelpOptions = true,
        description = "Self-tuned vs fixed temperature/alpha on the same teacher-labelled Fashion-MNIST stream.")
public final class TuningBenchmark implements Callable<Integer> {

    @Option(names = "--teacher", description = "Saved teacher under <work dir>/teachers (default: ${DEFAULT-VALUE}).")
    String teacherId = "cnn-a";

    @Option(names = "--work-dir", description = "Work directory holding teachers/ (default: .distill).")
    Path workDir;

    @Option(names = "--architecture", description = "Student (default: ${DEFAULT-VALUE}).")
    String architecture = "mlp:128";

    @Option(names = "--samples", description = "Training images in the stream (default: ${DEFAULT-VALUE}).")
    int samples = 30_000;

    @Option(names = "--holdout", description = "Test images used as the hold-out set (default: ${DEFAULT-VALUE}); the other test images measure test accuracy.")
    int holdoutSize = 2_000;

    @Option(names = "--labelled", description = "Fraction of stream examples that carry ground truth (default: ${DEFAULT-VALUE}).")
    double labelled = 0.1;

    @Option(names = "--grid", description = "Candidates temperature:alpha,... (default: the trainer's default grid).")
    String grid = "8:0.9,4:0.9,4:0.7,2:0.7,2:0.5,1:0.5";

    @Option(names = "--window", description = "Samples per self-tuning window (default: ${DEFAULT-VALUE}).")
    long window = 2_000;

    @Option(names = "--modes", split = ",", description = "Self-tuning modes to run (default: ${DEFAULT-VALUE}).")
    List<String> modes = List.of("bandit", "plateau");

    @Option(names = "--objective", description = "Tuning objective: agreement | accuracy | kl (default: ${DEFAULT-VALUE}).")
    String objective = "agreement";

    @Option(names = "--batch-size", description = "Fresh examples per step (default: ${DEFAULT-VALUE}).")
    int batchSize = 64;

    @Option(names = "--replay-ratio", description = "Replayed examples per fresh one (default: ${DEFAULT-VALUE}).")
    double replayRatio = 0.25;

    @Option(names = "--lr", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    float lr = 0.001f;

    @Option(names = "--seeds", description = "Seeds per run (network init, replay, exploration); figures are means (default: ${DEFAULT-VALUE}).")
    int seeds = 1;

    @Option(names = "--threads", description = "ai.djl.pytorch.num_threads (default: ${DEFAULT-VALUE}).")
    int threads = 1;

    private final Map<String, String> results = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        List<DistillationSetting> candidates = DistillationSetting.parseGrid(grid);
        FashionMnist.Split train = FashionMnist.load(FashionMnist.locate(), "train", samples);
        FashionMnist.Split test = FashionMnist.load(FashionMnist.locate(), "t10k", 10_000);
        if (holdoutSize >= test.size()) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--holdout must leave test images");
        }
        Path dir = TeacherStore.teacherDir(workDir != null ? workDir : TeacherStore.defaultWorkDir(), teacherId);
        if (!TeacherStore.isSaved(dir)) {
            System.err.println("no saved teacher " + teacherId + " in " + dir + "; train one with "
                    + "'./distill teacher train --id " + teacherId + "'");
            return 2;
        }
        long labelStart = System.nanoTime();
        float[][] trainTeacher;
        float[][] testTeacher;
        try (TeacherModel teacher = TeacherLoader.load(dir, Device.cpu());
             TeacherInference inference = teacher.newInference()) {
            trainTeacher = label(inference, train.images());
            testTeacher = label(inference, test.images());
        }
        double labelSeconds = (System.nanoTime() - labelStart) / 1e9;

        List<Sample> stream = new ArrayList<>(train.size());
        int every = labelled <= 0 ? Integer.MAX_VALUE : (int) Math.round(1 / labelled);
        for (int i = 0; i < train.size(); i++) {
            stream.add(new Sample("train-" + i, train.images()[i], trainTeacher[i],
                    i % every == 0 ? train.labels()[i] : Sample.NO_LABEL, 1f));
        }
        List<Sample> holdout = new ArrayList<>();
        List<Sample> testSet = new ArrayList<>();
        for (int i = 0; i < test.size(); i++) {
            Sample s = new Sample("test-" + i, test.images()[i], testTeacher[i], test.labels()[i], 1f);
            (i < holdoutSize ? holdout : testSet).add(s);
        }
        results.put("teacher", teacherId);
        results.put("teacher.test_accuracy", fmt(HoldoutScorer.score(testSet, toDouble(testTeacher, holdoutSize))
                .accuracy()));
        results.put("teacher.labelling_seconds", String.format(Locale.ROOT, "%.1f", labelSeconds));

        String bestFixed = null;
        double bestFixedHoldout = -1;
        Map<String, double[]> outcome = new LinkedHashMap<>();
        for (DistillationSetting c : candidates) {
            String name = String.format(Locale.ROOT, "fixed.T%s_a%s", trim(c.temperature()), trim(c.alpha()));
            double[] r = runSeeds(name, stream, holdout, testSet, candidates, TuningMode.OFF,
                    ProgressiveSchedule.constant(c.temperature(), c.alpha()));
            outcome.put(name, r);
            if (r[0] > bestFixedHoldout) {
                bestFixedHoldout = r[0];
                bestFixed = name;
            }
        }
        for (String m : modes) {
            TuningMode mode = TuningMode.valueOf(m.trim().toUpperCase(Locale.ROOT));
            String name = "tuned." + mode.name().toLowerCase(Locale.ROOT);
            outcome.put(name, runSeeds(name, stream, holdout, testSet, candidates, mode,
                    ProgressiveSchedule.constant(candidates.get(0).temperature(), candidates.get(0).alpha())));
        }
        String oracle = null;
        for (Map.Entry<String, double[]> e : outcome.entrySet()) {
            if (e.getKey().startsWith("fixed.") && (oracle == null || e.getValue()[1] > outcome.get(oracle)[1])) {
                oracle = e.getKey();
            }
        }
        results.put("best_fixed_by_holdout", bestFixed);
        results.put("best_fixed_by_test", oracle);
        for (String m : modes) {
            String name = "tuned." + m.trim().toLowerCase(Locale.ROOT);
            results.put(name + ".minus_best_fixed.test_accuracy",
                    String.format(Locale.ROOT, "%+.4f", outcome.get(name)[1] - outcome.get(bestFixed)[1]));
            results.put(name + ".minus_best_fixed_by_test.test_accuracy",
                    String.format(Locale.ROOT, "%+.4f", outcome.get(name)[1] - outcome.get(oracle)[1]));
        }
        results.put("samples", Integer.toString(samples));
        results.put("student", architecture);
        results.put("window", Long.toString(window));
        results.put("seeds", Integer.toString(seeds));
        results.forEach((k, v) -> System.out.println(k + ": " + v));
        return 0;
    }

    /** Mean hold-out accuracy and test accuracy over the seeds; prints each run's figures. */
    private double[] runSeeds(String name, List<Sample> stream, List<Sample> holdout, List<Sample> testSet,
                              List<DistillationSetting> candidates, TuningMode mode, ProgressiveSchedule schedule) {
        double holdoutAccuracy = 0;
        double testAccuracy = 0;
        double testAgreement = 0;
        long changes = 0;
        long start = System.nanoTime();
        String last = "";
        for (int s = 0; s < seeds; s++) {
            long seed = 42 + s;
            TuningSettings tuning = new TuningSettings(mode, candidates, window,
                    TuningObjective.valueOf(objective.toUpperCase(Locale.ROOT)), holdout.size(), 1, 10, 0.2, 0.3,
                    2, 0.002, seed);
            DistillationTuner tuner = new DistillationTuner(tuning, schedule);
            ArchitectureSpec spec = ArchitectureSpecs.parse(architecture, 0.0);
            LabelSpace labels = LabelSpace.newBuilder().setId(FashionMnist.LABEL_SPACE_ID)
                    .setVersion(FashionMnist.LABEL_SPACE_VERSION).setClassNames(FashionMnist.CLASS_NAMES).build();
            OptimizerSettings optimizer = new OptimizerSettings("adam", lr, "constant", 0f, 0.9f, 5.0);
            try (StudentNetwork net = new StudentNetwork(spec, new int[]{784}, labels, 10, optimizer, Device.cpu(),
                    seed)) {
                ReplayBuffer replay = new ReplayBuffer(5_000, seed);
                long seen = 0;
                for (int from = 0; from < stream.size(); from += batchSize) {
                    List<Sample> fresh = stream.subList(from, Math.min(stream.size(), from + batchSize));
                    List<Sample> batch = new ArrayList<>(fresh);
                    batch.addAll(replay.sample((int) Math.round(fresh.size() * replayRatio)));
                    DistillationStage stage = tuner.setting(seen);
                    net.train(batch, (float) stage.alpha(), (float) stage.temperature(), AdaptiveWeighting.NONE);
                    seen += batch.size();
                    fresh.forEach(replay::offer);
                    tuner.afterStep(seen, () -> holdout, examples -> HoldoutScorer.score(examples,
                            net.logProbs(examples)));
                }
                HoldoutMetrics h = HoldoutScorer.score(holdout, net.logProbs(holdout));
                HoldoutMetrics t = HoldoutScorer.score(testSet, net.logProbs(testSet));
                holdoutAccuracy += h.accuracy() / seeds;
                testAccuracy += t.accuracy() / seeds;
                testAgreement += t.agreement() / seeds;
                changes += tuner.changes();
                last = tuner.current(seen).toString();
            }
        }
        results.put(name + ".holdout_accuracy", fmt(holdoutAccuracy));
        results.put(name + ".test_accuracy", fmt(testAccuracy));
        results.put(name + ".test_agreement", fmt(testAgreement));
        if (mode != TuningMode.OFF) {
            results.put(name + ".changes_per_run", String.format(Locale.ROOT, "%.1f", (double) changes / seeds));
            results.put(name + ".final_setting", last);
        }
        results.put(name + ".seconds", String.format(Locale.ROOT, "%.1f", (System.nanoTime() - start) / 1e9));
        System.err.printf(Locale.ROOT, "%s: hold-out accuracy %.4f, test accuracy %.4f%n", name, holdoutAccuracy,
                testAccuracy);
        return new double[]{holdoutAccuracy, testAccuracy};
    }

    private static float[][] label(TeacherInference inference, float[][] images) throws Exception {
        float[][] out = new float[images.length][];
        int batch = 256;
        for (int from = 0; from < images.length; from += batch) {
            int n = Math.min(batch, images.length - from);
            float[][] chunk = new float[n][];
            System.arraycopy(images, from, chunk, 0, n);
            float[][] lp = inference.logProbabilities(chunk);
            System.arraycopy(lp, 0, out, from, n);
        }
        return out;
    }

    private static double[][] toDouble(float[][] rows, int from) {
        double[][] out = new double[rows.length - from][];
        for (int i = from; i < rows.length; i++) {
            out[i - from] = new double[rows[i].length];
            for (int k = 0; k < rows[i].length; k++) {
                out[i - from][k] = rows[i][k];
            }
        }
        return out;
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new TuningBenchmark()).execute(args));
    }
}
