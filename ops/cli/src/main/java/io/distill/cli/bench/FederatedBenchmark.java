package io.distill.cli.bench;

import ai.djl.Device;
import io.distill.core.dataset.FashionMnist;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.StackOptions;
import io.distill.teacher.model.TeacherInference;
import io.distill.teacher.model.TeacherLoader;
import io.distill.teacher.model.TeacherModel;
import io.distill.trainer.federated.FederatedExperiment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code distill bench federated}: two sites hold label-skewed halves of the Fashion-MNIST training images (site a
 * mostly classes 0-4, site b mostly 5-9), soft-labelled in-process by a saved teacher and written to the per-site
 * topics of a real broker; the same student is trained per site alone and codistilled (each site also distils from
 * the other's published checkpoints), and every final student is scored on the whole 10,000-image test set.
 * With {@code --supervised-fraction} below 1 the rest of each site's examples carry neither a teacher target nor a
 * hard label: the alone arm refuses them (it has no peer), the codistilled arm ({@code --unlabelled use}) learns them
 * from its peer's checkpoints as peer-only samples; {@code --supervised-passes} repeats the supervised ones so that
 * the alone arm is not short of steps.
 */
@Command(name = "federated", mixinStandardHelpOptions = true,
        description = "Per-site students trained alone vs codistilled from the other site's checkpoints (label-skewed sites).")
public final class FederatedBenchmark implements Callable<Integer> {

    @Option(names = "--teacher", description = "Saved teacher under <work dir>/teachers (default: ${DEFAULT-VALUE}).")
    String teacher = "cnn-a";

    @Option(names = "--work-dir", description = "Work directory holding teachers/ (default: ${DEFAULT-VALUE}).")
    Path workDir = Path.of(".distill");

    @Option(names = "--train-images", description = "Training images dealt to the sites (default: ${DEFAULT-VALUE}).")
    int trainImages = 60_000;

    @Option(names = "--majority", description = "Share of a class's images its own site holds (default: ${DEFAULT-VALUE}).")
    double majority = 0.9;

    @Option(names = "--teacher-fraction", description = "Share of training examples the teacher labels (default: ${DEFAULT-VALUE}).")
    double teacherFraction = 1.0;

    @Option(names = "--label-fraction", description = "Share of training examples with ground truth (default: ${DEFAULT-VALUE}).")
    double labelFraction = 0.0;

    @Option(names = "--supervised-fraction", description = "Share of training examples that may carry supervision"
            + " (teacher and label fractions apply to them); the rest carry neither (default: ${DEFAULT-VALUE}).")
    double supervisedFraction = 1.0;

    @Option(names = "--supervised-passes", description = "Passes over each site's supervised examples (each unlabelled"
            + " one is written in one pass) (default: ${DEFAULT-VALUE}).")
    int supervisedPasses = 1;

    @Option(names = "--unlabelled", description = "trainer.codistill.unlabelled of the codistilled arm: use | refuse"
            + " (default: ${DEFAULT-VALUE}).")
    String unlabelled = "use";

    @Option(names = "--unlabelled-min-confidence", description = "trainer.codistill.unlabelled.min.confidence"
            + " (default: ${DEFAULT-VALUE}).")
    double unlabelledMinConfidence = 0.0;

    @Option(names = "--filter", description = "trainer.codistill.filter: agreement | none (default: ${DEFAULT-VALUE}).")
    String filter = "agreement";

    @Option(names = "--architecture", description = "Student (default: ${DEFAULT-VALUE}).")
    String architecture = "mlp:256";

    @Option(names = "--beta", description = "Weight of the peer term in the codistilled arm (default: ${DEFAULT-VALUE}).")
    double beta = 1.0;

    @Option(names = "--replay-ratio", description = "Replayed samples per fresh one (default: ${DEFAULT-VALUE}).")
    double replayRatio = 1.0;

    @Option(names = "--publish-every", description = "Samples between publications, i.e. peer updates (default: ${DEFAULT-VALUE}).")
    long publishEvery = 5_000;

    @Option(names = "--refresh-ms", description = "trainer.codistill.refresh.ms (default: ${DEFAULT-VALUE}).")
    long refreshMs = 0;

    @Option(names = "--threads", description = "ai.djl.pytorch.num_threads (default: ${DEFAULT-VALUE}).")
    int threads = 1;

    @Option(names = "--seed", description = "Seed of the split (default: ${DEFAULT-VALUE}).")
    long seed = 7;

    @Option(names = "--bootstrap-servers", description = "Use this broker instead of starting an embedded stack.")
    String bootstrapServers;

    @Option(names = "--registry-url", description = "Schema registry of --bootstrap-servers' stack.")
    String registryUrl;

    @Override
    public Integer call() throws Exception {
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        Path teacherDir = workDir.resolve("teachers").resolve(teacher);
        if (!Files.isDirectory(teacherDir)) {
            System.err.println("no teacher at " + teacherDir + ": run ./distill teacher train --id " + teacher
                    + " (or --quick) first");
            return 2;
        }
        EmbeddedStack stack = null;
        long started = System.nanoTime();
        try (TeacherModel model = TeacherLoader.load(teacherDir, Device.cpu());
             TeacherInference inference = model.newInference()) {
            if (bootstrapServers == null) {
                stack = EmbeddedStack.start(StackOptions.builder().build());
                bootstrapServers = stack.bootstrapServers();
                registryUrl = stack.registryUrl();
            }
            FashionMnist.Split train = FashionMnist.load(FashionMnist.locate(), "train", trainImages);
            FashionMnist.Split test = FashionMnist.load(FashionMnist.locate(), "t10k", 10_000);
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put("trainer.architecture", architecture);
            settings.put("trainer.batch.size", "64");
            settings.put("trainer.lr", "0.001");
            settings.put("trainer.distillation.schedule", "0:2:0.9");
            settings.put("trainer.replay.capacity", "20000");
            settings.put("trainer.replay.ratio", Double.toString(replayRatio));
            settings.put("trainer.publish.every.samples", Long.toString(publishEvery));
            settings.put("trainer.publish.interval.ms", "600000");
            settings.put("trainer.gate.first.version.after.samples", Long.toString(publishEvery));
            settings.put("trainer.gate.min.holdout", "500");
            // The gate is opened: peers should see every version, and the comparison is on the final students.
            settings.put("trainer.gate.tolerance", "1.0");
            settings.put("trainer.gate.kl.tolerance", "1000");
            settings.put("trainer.codistill.refresh.ms", Long.toString(refreshMs));
            settings.put("trainer.codistill.filter", filter);
            settings.put("trainer.codistill.unlabelled", unlabelled);
            settings.put("trainer.codistill.unlabelled.min.confidence", Double.toString(unlabelledMinConfidence));
            settings.put("trainer.device", "cpu");
            String prefix = "bench-federated-" + Long.toHexString(System.nanoTime()) + ".";
            FederatedExperiment experiment = new FederatedExperiment(bootstrapServers, registryUrl, prefix,
                    List.of("a", "b"), majority, 0.05, supervisedFraction, supervisedPasses, teacherFraction,
                    labelFraction, settings, seed);
            Map<String, Double> arms = new LinkedHashMap<>();
            arms.put("alone", 0.0);
            arms.put("codistilled", beta);
            FederatedExperiment.Result result = experiment.run(train, test,
                    (images, labels) -> inference.logProbabilities(images), arms);
            Map<String, String> out = new LinkedHashMap<>();
            for (String site : List.of("a", "b")) {
                double[] share = result.classShares().get(site);
                double own = 0;
                for (int c = 0; c < share.length; c++) {
                    if (c * 2 / share.length == (site.equals("a") ? 0 : 1)) {
                        own += share[c];
                    }
                }
                out.put("site_" + site + "_train_records", Integer.toString(result.examplesPerSite().get(site)));
                out.put("site_" + site + "_supervised_records", Integer.toString(result.supervisedPerSite().get(site)));
                out.put("site_" + site + "_own_classes_share", fmt(own));
            }
            for (String site : List.of("a", "b")) {
                FederatedExperiment.TrainerOutcome alone = result.of("alone.site-" + site);
                FederatedExperiment.TrainerOutcome codistilled = result.of("codistilled.site-" + site);
                out.put("site_" + site + "_alone_test_accuracy", fmt(alone.testAccuracy()));
                out.put("site_" + site + "_codistilled_test_accuracy", fmt(codistilled.testAccuracy()));
                out.put("site_" + site + "_gain", fmt(codistilled.testAccuracy() - alone.testAccuracy()));
                out.put("site_" + site + "_alone_samples", Long.toString(alone.samples()));
                out.put("site_" + site + "_alone_dead_letters", Long.toString(alone.deadLettered()));
                out.put("site_" + site + "_codistilled_samples", Long.toString(codistilled.samples()));
                out.put("site_" + site + "_codistilled_peer_only_examples", Long.toString(codistilled.unlabelledSamples()));
                out.put("site_" + site + "_codistilled_topics_read", String.join(",", codistilled.recordsByTopic().keySet()));
                out.put("site_" + site + "_codistilled_topics_assigned", String.join(",", codistilled.assignedTopics()));
            }
            out.put("teacher", teacher);
            out.put("student", architecture);
            out.put("beta", Double.toString(beta));
            out.put("majority", Double.toString(majority));
            out.put("teacher_fraction", Double.toString(teacherFraction));
            out.put("label_fraction", Double.toString(labelFraction));
            out.put("filter", filter);
            out.put("supervised_fraction", Double.toString(supervisedFraction));
            out.put("supervised_passes", Integer.toString(supervisedPasses));
            out.put("unlabelled", unlabelled);
            out.put("unlabelled_min_confidence", Double.toString(unlabelledMinConfidence));
            out.put("seed", Long.toString(seed));
            out.put("elapsed_s", fmt((System.nanoTime() - started) / 1e9));
            out.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
            out.forEach((k, v) -> System.out.println(k + ": " + v));
            return 0;
        } finally {
            if (stack != null) {
                stack.close();
            }
        }
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }
}
