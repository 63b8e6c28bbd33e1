package io.distill.trainer.config;

import io.distill.core.architecture.ArchitectureSpec;
import io.distill.core.config.DistillConfig;
import io.distill.core.dataset.FashionMnist;
import io.distill.trainer.adaptive.AdaptiveWeighting;
import io.distill.trainer.augment.AugmentSettings;
import io.distill.trainer.gate.GatePolicy;
import io.distill.trainer.model.OptimizerSettings;
import io.distill.trainer.publish.PublishedFormats;
import io.distill.trainer.schedule.ProgressiveSchedule;
import io.distill.trainer.tuning.DistillationSetting;
import io.distill.trainer.tuning.TuningMode;
import io.distill.trainer.tuning.TuningObjective;
import io.distill.trainer.tuning.TuningSettings;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The trainer's settings, read from the {@code trainer.*} keys of the service configuration (defaults &lt; properties
 * file &lt; DISTILL_* environment &lt; flags). {@link #DEFAULTS} lists every key with its default.
 */
public record TrainerSettings(
        String model,
        ArchitectureSpec architecture,
        int[] inputShape,
        String labelSpaceId,
        int labelSpaceVersion,
        List<String> classNames,
        int numClasses,
        int batchSize,
        int prefetchBatches,
        Duration linger,
        OptimizerSettings optimizer,
        ProgressiveSchedule schedule,
        AdaptiveWeighting adaptive,
        boolean useTeacherTargets,
        int replayCapacity,
        double replayRatio,
        int holdoutCapacity,
        long publishEverySamples,
        Duration publishInterval,
        GatePolicy gate,
        String device,
        String blobStore,
        long seed,
        long maxSamples,
        TuningSettings tuning,
        int retainVersions,
        Federation federation,
        AugmentSettings augment,
        boolean quantizationAware,
        PublishedFormats checkpointFormat,
        String int8Model) {

    public static final Map<String, String> DEFAULTS = defaults();

    private static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("trainer.model", "fashion-student");
        d.put("trainer.architecture", "mlp:800,800");
        d.put("trainer.dropout", "0.0");
        d.put("trainer.input.shape", "");
        d.put("trainer.label.space", FashionMnist.LABEL_SPACE_ID);
        d.put("trainer.label.space.version", Integer.toString(FashionMnist.LABEL_SPACE_VERSION));
        d.put("trainer.classes", "10");
        d.put("trainer.batch.size", "128");
        d.put("trainer.prefetch.batches", "8");
        d.put("trainer.linger.ms", "200");
        d.put("trainer.optimizer", "adam");
        d.put("trainer.lr", "0.001");
        d.put("trainer.lr.schedule", "constant");
        d.put("trainer.weight.decay", "0");
        d.put("trainer.momentum", "0.9");
        d.put("trainer.clip.norm", "5.0");
        d.put("trainer.distillation.schedule", "0:4:0.9");
        d.put("trainer.distillation.interpolation", "step");
        d.put("trainer.adaptive", "none");
        d.put("trainer.teacher.targets", "use");
        d.put("trainer.replay.capacity", "20000");
        d.put("trainer.replay.ratio", "0.25");
        d.put("trainer.holdout.capacity", "5000");
        d.put("trainer.publish.every.samples", "50000");
        d.put("trainer.publish.interval.ms", "60000");
        d.put("trainer.gate.min.holdout", "2000");
        d.put("trainer.gate.tolerance", "0.01");
        d.put("trainer.gate.kl.tolerance", "0.05");
        d.put("trainer.gate.first.version.after.samples", "20000");
        d.put("trainer.device", "auto");
        d.put("trainer.blob.store", "kafka");
        d.put("trainer.seed", "42");
        d.put("trainer.max.samples", "0");
        d.put("trainer.tuning", "off");
        d.put("trainer.tuning.grid", "8:0.9,4:0.9,4:0.7,2:0.7,2:0.5,1:0.5");
        d.put("trainer.tuning.window.samples", "5000");
        d.put("trainer.tuning.objective", "agreement");
        d.put("trainer.tuning.eval.examples", "2000");
        d.put("trainer.tuning.min.holdout", "200");
        d.put("trainer.tuning.refresh.windows", "10");
        d.put("trainer.tuning.epsilon", "0.2");
        d.put("trainer.tuning.step", "0.3");
        d.put("trainer.tuning.patience", "2");
        d.put("trainer.tuning.min.gain", "0.002");
        d.put("trainer.retain.versions", "10");
        d.put("trainer.site", "");
        d.put("trainer.codistill.beta", "1.0");
        d.put("trainer.codistill.refresh.ms", "30000");
        d.put("trainer.codistill.filter", "agreement");
        d.put("trainer.codistill.unlabelled", "refuse");
        d.put("trainer.codistill.unlabelled.min.confidence", "0.0");
        d.put("trainer.augment", "none");
        d.put("trainer.augment.shift.pixels", "2");
        d.put("trainer.augment.crop.padding", "2");
        d.put("trainer.augment.noise.std", "0.05");
        d.put("trainer.augment.seed", "42");
        d.put("trainer.qad", "false");
        d.put("trainer.checkpoint.format", "float");
        d.put("trainer.checkpoint.int8.model", "");
        return Map.copyOf(d);
    }

    public static TrainerSettings fromConfig(DistillConfig c) {
        String shape = c.getString("trainer.input.shape", "").trim();
        List<String> names = c.getString("trainer.label.space", "").equals(FashionMnist.LABEL_SPACE_ID)
                ? FashionMnist.CLASS_NAMES : List.of();
        Federation federation = federation(c);
        return new TrainerSettings(
                federation == null ? c.getString("trainer.model") : federation.model(),
                ArchitectureSpecs.parse(c.getString("trainer.architecture"), c.getDouble("trainer.dropout", 0)),
                shape.isEmpty() ? null : parseShape(shape),
                c.getString("trainer.label.space"),
                c.getInt("trainer.label.space.version"),
                names,
                c.getInt("trainer.classes", 10, 1, 1_000_000),
                c.getInt("trainer.batch.size", 128, 1, 1 << 16),
                c.getInt("trainer.prefetch.batches", 8, 1, 1024),
                Duration.ofMillis(c.getLong("trainer.linger.ms", 200)),
                new OptimizerSettings(c.getString("trainer.optimizer"), (float) c.getDouble("trainer.lr"),
                        c.getString("trainer.lr.schedule"), (float) c.getDouble("trainer.weight.decay"),
                        (float) c.getDouble("trainer.momentum"), c.getDouble("trainer.clip.norm")),
                ProgressiveSchedule.parse(c.getString("trainer.distillation.schedule"),
                        ProgressiveSchedule.Interpolation.valueOf(
                                c.getString("trainer.distillation.interpolation").toUpperCase(Locale.ROOT))),
                AdaptiveWeighting.valueOf(c.getString("trainer.adaptive").toUpperCase(Locale.ROOT)),
                teacherTargets(c.getString("trainer.teacher.targets", "use")),
                c.getInt("trainer.replay.capacity", 20000, 0, Integer.MAX_VALUE),
                c.getDouble("trainer.replay.ratio", 0.25),
                c.getInt("trainer.holdout.capacity", 5000, 1, Integer.MAX_VALUE),
                c.getLong("trainer.publish.every.samples", 50000),
                Duration.ofMillis(c.getLong("trainer.publish.interval.ms", 60000)),
                new GatePolicy(c.getInt("trainer.gate.min.holdout", 2000, 0, Integer.MAX_VALUE),
                        c.getDouble("trainer.gate.tolerance"), c.getDouble("trainer.gate.kl.tolerance"),
                        c.getLong("trainer.gate.first.version.after.samples", 20000)),
                c.getString("trainer.device"),
                c.getString("trainer.blob.store"),
                c.getLong("trainer.seed", 42),
                c.getLong("trainer.max.samples", 0),
                tuning(c),
                c.getInt("trainer.retain.versions", 10, 0, Integer.MAX_VALUE),
                federation,
                new AugmentSettings(AugmentSettings.parseOperations(c.getString("trainer.augment", "none")),
                        c.getInt("trainer.augment.shift.pixels", 2, 0, 1 << 16),
                        c.getInt("trainer.augment.crop.padding", 2, 0, 1 << 16),
                        c.getDouble("trainer.augment.noise.std", 0.05),
                        c.getLong("trainer.augment.seed", 42)),
                c.getBoolean("trainer.qad", false),
                PublishedFormats.parse(c.getString("trainer.checkpoint.format", "float")),
                int8Model(c.getString("trainer.model"), c.getString("trainer.checkpoint.int8.model", "")));
    }

    private static TuningSettings tuning(DistillConfig c) {
        return new TuningSettings(
                TuningMode.valueOf(c.getString("trainer.tuning", "off").trim().toUpperCase(Locale.ROOT)),
                DistillationSetting.parseGrid(c.getString("trainer.tuning.grid",
                        "8:0.9,4:0.9,4:0.7,2:0.7,2:0.5,1:0.5")),
                c.getLong("trainer.tuning.window.samples", 5000),
                TuningObjective.valueOf(c.getString("trainer.tuning.objective", "agreement").trim()
                        .toUpperCase(Locale.ROOT)),
                c.getInt("trainer.tuning.eval.examples", 2000, 1, Integer.MAX_VALUE),
                c.getInt("trainer.tuning.min.holdout", 200, 0, Integer.MAX_VALUE),
                c.getInt("trainer.tuning.refresh.windows", 10, 1, Integer.MAX_VALUE),
                c.getDouble("trainer.tuning.epsilon", 0.2),
                c.getDouble("trainer.tuning.step", 0.3),
                c.getInt("trainer.tuning.patience", 2, 1, Integer.MAX_VALUE),
                c.getDouble("trainer.tuning.min.gain", 0.002),
                c.getLong("trainer.seed", 42));
    }

    /** The site settings when {@code trainer.site} is set (it must be one of {@code topics.sites}), else null. */
    static Federation federation(DistillConfig c) {
        String site = c.getString("trainer.site", "").trim();
        if (site.isEmpty()) {
            return null;
        }
        List<String> sites = c.getList("topics.sites");
        if (!sites.contains(site)) {
            throw new io.distill.core.config.ConfigException("trainer.site", "trainer.site '" + site
                    + "' is not one of topics.sites " + sites + " (the topology routes examples only to those)", null);
        }
        List<String> peers = sites.stream().filter(s -> !s.equals(site)).toList();
        String filter = c.getString("trainer.codistill.filter", "agreement").trim().toLowerCase(Locale.ROOT);
        if (!filter.equals("agreement") && !filter.equals("none")) {
            throw new io.distill.core.config.ConfigException("trainer.codistill.filter",
                    "trainer.codistill.filter must be agreement or none, not '" + filter + "'", null);
        }
        String unlabelled = c.getString("trainer.codistill.unlabelled", "refuse").trim().toLowerCase(Locale.ROOT);
        if (!unlabelled.equals("use") && !unlabelled.equals("refuse")) {
            throw new io.distill.core.config.ConfigException("trainer.codistill.unlabelled",
                    "trainer.codistill.unlabelled must be use or refuse, not '" + unlabelled + "'", null);
        }
        return new Federation(site, c.getString("trainer.model"), peers, c.getDouble("trainer.codistill.beta", 1.0),
                Duration.ofMillis(c.getLong("trainer.codistill.refresh.ms", 30_000)), filter.equals("agreement"),
                unlabelled.equals("use"), c.getDouble("trainer.codistill.unlabelled.min.confidence", 0.0));
    }

    /** {@code use} (distil) or {@code ignore} (train on hard labels only, e.g. a from-scratch baseline). */
    static boolean teacherTargets(String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "use" -> true;
            case "ignore" -> false;
            default -> throw new io.distill.core.config.ConfigException("trainer.teacher.targets",
                    "trainer.teacher.targets must be use or ignore, not '" + value + "'", null);
        };
    }

    private static String int8Model(String model, String configured) {
        String name = configured == null || configured.isBlank() ? model + ".int8" : configured.trim();
        if (name.equals(model)) {
            throw new IllegalArgumentException("trainer.checkpoint.int8.model must differ from trainer.model (" + model
                    + ")");
        }
        return name;
    }

    static int[] parseShape(String s) {
        String[] parts = s.split("[,x]");
        int[] shape = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            shape[i] = Integer.parseInt(parts[i].trim());
        }
        return shape;
    }

    /** The stable transactional id of this model's publisher: a second trainer for the model fences the first. */
    public String transactionalId() {
        return "distill-trainer-" + model;
    }

    /** The consumer group the published offsets are committed for (visible to lag monitoring). */
    public String groupId() {
        return "distill-trainer-" + model;
    }
}
