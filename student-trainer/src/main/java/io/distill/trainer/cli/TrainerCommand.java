package io.distill.trainer.cli;

import io.distill.core.config.DistillConfig;
import io.distill.core.metrics.ServiceEndpoint;
import io.distill.core.registry.HttpRegistryClient;
import io.distill.core.registry.RegistryClient;
import io.distill.core.topics.TopicCatalogue;
import io.distill.core.topics.Topics;
import io.distill.trainer.config.TrainerSettings;
import io.distill.trainer.data.SerdeExampleDecoder;
import io.distill.trainer.service.TrainerService;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code distill trainer}: runs the student trainer for one model until stopped. Every option maps onto a
 * configuration key (shown in brackets in {@code --help}); precedence is defaults &lt; {@code --config} file &lt;
 * DISTILL_* environment &lt; flags.
 */
@Command(name = "trainer", mixinStandardHelpOptions = true,
        description = {"Continuously distils a student from the examples topic and publishes gated, versioned "
                + "checkpoints (blob chunks, manifest and consumed offsets in one Kafka transaction).",
                "Resumes from the newest published checkpoint of the model: parameters, optimizer state and offsets."})
public final class TrainerCommand implements Callable<Integer> {

    /** Exit status when another trainer of the model holds this one's transactional id (it stopped on purpose). */
    public static final int EXIT_FENCED = 3;

    private static final Logger log = LoggerFactory.getLogger(TrainerCommand.class);

    @Option(names = "--config", description = "Properties file with configuration keys.")
    Path configFile;

    @Option(names = "--model", description = "Model name; one lineage and one transactional id per model [trainer.model].")
    String model;

    @Option(names = "--architecture", description = "Student: mlp:800,800 | cnn:32,64/k3/d128 | <family>:{json} [trainer.architecture].")
    String architecture;

    @Option(names = "--dropout", description = "Dropout rate [trainer.dropout].")
    Double dropout;

    @Option(names = "--input-shape", description = "Input shape, e.g. 784 or 1,28,28; default: from the first example [trainer.input.shape].")
    String inputShape;

    @Option(names = "--batch-size", description = "Fresh examples per micro-batch [trainer.batch.size].")
    Integer batchSize;

    @Option(names = "--optimizer", description = "adam | adamw | sgd (with momentum) [trainer.optimizer].")
    String optimizer;

    @Option(names = "--lr", description = "Learning rate [trainer.lr].")
    Double lr;

    @Option(names = "--lr-schedule", description = "constant | cosine[:warmup=N,total=N,floor=X] | step[:every=N,gamma=X,warmup=N] [trainer.lr.schedule].")
    String lrSchedule;

    @Option(names = "--weight-decay", description = "Weight decay [trainer.weight.decay].")
    Double weightDecay;

    @Option(names = "--clip-norm", description = "Clip gradients to this global norm, 0 = off [trainer.clip.norm].")
    Double clipNorm;

    @Option(names = "--distillation-schedule", description = "Progressive stages start:temperature:alpha,... e.g. 0:4:0.9,50000:2:0.7 [trainer.distillation.schedule].")
    String schedule;

    @Option(names = "--interpolation", description = "step | linear between stages [trainer.distillation.interpolation].")
    String interpolation;

    @Option(names = "--temperature", description = "Constant temperature (shortcut for a one-stage schedule; needs --alpha).")
    Double temperature;

    @Option(names = "--alpha", description = "Constant weight of the soft-target term (with --temperature).")
    Double alpha;

    @Option(names = "--teacher-targets", description = "use | ignore: ignore trains on hard labels only, teacher targets dropped (a from-scratch baseline) [trainer.teacher.targets].")
    String teacherTargets;

    @Option(names = "--adaptive", description = "Per-example weighting: none | confidence | disagreement [trainer.adaptive].")
    String adaptive;

    @Option(names = "--tuning", description = "Self-tuning of temperature and alpha from hold-out metrics: off | bandit | plateau; when on it overrides the distillation schedule [trainer.tuning].")
    String tuning;

    @Option(names = "--tuning-grid", description = "Candidate settings temperature:alpha,... in order (the plateau rule's path) [trainer.tuning.grid].")
    String tuningGrid;

    @Option(names = "--tuning-window", description = "Samples per self-tuning evaluation window [trainer.tuning.window.samples].")
    Long tuningWindow;

    @Option(names = "--replay-capacity", description = "Reservoir size; 0 disables replay [trainer.replay.capacity].")
    Integer replayCapacity;

    @Option(names = "--replay-ratio", description = "Replayed examples per fresh example [trainer.replay.ratio].")
    Double replayRatio;

    @Option(names = "--publish-every", description = "Attempt a publication every N samples [trainer.publish.every.samples].")
    Long publishEvery;

    @Option(names = "--publish-interval-ms", description = "... or every T milliseconds [trainer.publish.interval.ms].")
    Long publishIntervalMs;

    @Option(names = "--gate-tolerance", description = "Allowed drop of agreement/accuracy [trainer.gate.tolerance].")
    Double gateTolerance;

    @Option(names = "--gate-min-holdout", description = "Hold-out examples needed to compare versions [trainer.gate.min.holdout].")
    Integer gateMinHoldout;

    @Option(names = "--first-version-after", description = "Publish a first version after N samples even with a small hold-out [trainer.gate.first.version.after.samples].")
    Long firstVersionAfter;

    @Option(names = "--retain-versions", description = "Published versions kept live; older ones are retired (manifest and chunks tombstoned) except the version a control record pins or caps at; 0 = keep all [trainer.retain.versions].")
    Integer retainVersions;

    @Option(names = "--device", description = "auto | cpu | gpu[:n] [trainer.device].")
    String device;

    @Option(names = "--blob-store", description = "kafka (the blob topic) | kafka:<topic> | file:///dir [trainer.blob.store].")
    String blobStore;

    @Option(names = "--max-samples", description = "Stop after this many samples, 0 = never [trainer.max.samples].")
    Long maxSamples;

    @Option(names = "--augment", description = "Augmentation of training examples (never hold-out): none | comma list of shift, crop, noise [trainer.augment].")
    String augment;

    @Option(names = "--augment-shift", description = "Largest shift per axis in pixels, edges repeated (images) [trainer.augment.shift.pixels].")
    Integer augmentShift;

    @Option(names = "--augment-crop-padding", description = "Zero padding before the random crop (images) [trainer.augment.crop.padding].")
    Integer augmentCropPadding;

    @Option(names = "--augment-noise-std", description = "Standard deviation of gaussian noise, clamped to each example's value range [trainer.augment.noise.std].")
    Double augmentNoiseStd;

    @Option(names = "--augment-seed", description = "Seed of the augmentation draws (same seed, same batches) [trainer.augment.seed].")
    Long augmentSeed;

    @Option(names = "--qad", negatable = true, description = "Quantization-aware distillation: train on int8 fake-quantized weights, straight-through gradients [trainer.qad].")
    Boolean qad;

    @Option(names = "--checkpoint-format", description = "float | int8 | both (int8 companion as trainer.checkpoint.int8.model) [trainer.checkpoint.format].")
    String checkpointFormat;

    @Option(names = "--int8-model", description = "Model name of the int8 companion with --checkpoint-format both; default <model>.int8 [trainer.checkpoint.int8.model].")
    String int8Model;

    @Option(names = "--threads", description = "PyTorch intra-op threads (ai.djl.pytorch.num_threads); 1 is fastest for small nets.")
    Integer threads;

    @Option(names = "--site", description = "Federated: train this site's student (<model>.site-<id>) from its own site's topics only [trainer.site].")
    String site;

    @Option(names = "--sites", description = "Federated: every site id, comma separated; examples are routed to per-site topics [topics.sites].")
    String sites;

    @Option(names = "--codistill-beta", description = "Federated: weight of the peer sites' term beta*T^2*KL(mean peer || student), 0 = alone [trainer.codistill.beta].")
    Double codistillBeta;

    @Option(names = "--codistill-refresh-ms", description = "Federated: use a peer version at least this long before taking a newer one [trainer.codistill.refresh.ms].")
    Long codistillRefreshMs;

    @Option(names = "--codistill-unlabelled", description = "Federated: use (peer-only samples, learnt from the peers' term alone) or refuse examples with neither a teacher target nor a hard label [trainer.codistill.unlabelled].")
    String codistillUnlabelled;

    @Option(names = "--bootstrap-servers", description = "Kafka bootstrap servers [kafka.bootstrap.servers].")
    String bootstrapServers;

    @Option(names = "--registry-url", description = "Schema registry URL [registry.url].")
    String registryUrl;

    @Option(names = "--topic-prefix", description = "Topic name prefix [topics.prefix].")
    String topicPrefix;

    @Option(names = "--metrics-port", description = "Port of /metrics, /health, /ready; 0 = any, -1 = none [metrics.port].")
    Integer metricsPort;

    @Option(names = {"-D", "--set"}, description = "Any configuration key=value.")
    Map<String, String> extra = new LinkedHashMap<>();

    /** The effective configuration: defaults < file < environment < flags. */
    DistillConfig configuration() {
        Map<String, String> defaults = new LinkedHashMap<>(TrainerSettings.DEFAULTS);
        defaults.put("kafka.bootstrap.servers", "127.0.0.1:9092");
        defaults.put("registry.url", "http://127.0.0.1:8081/apis/ccompat/v7");
        defaults.put("metrics.port", "9403");
        DistillConfig.Builder b = DistillConfig.builder().defaults(defaults);
        if (configFile != null) {
            b.propertiesFile(configFile);
        }
        b.systemEnvironment();
        Map<String, Object> flags = new HashMap<>();
        flags.put("trainer.model", model);
        flags.put("trainer.architecture", architecture);
        flags.put("trainer.dropout", dropout);
        flags.put("trainer.input.shape", inputShape);
        flags.put("trainer.batch.size", batchSize);
        flags.put("trainer.optimizer", optimizer);
        flags.put("trainer.lr", lr);
        flags.put("trainer.lr.schedule", lrSchedule);
        flags.put("trainer.weight.decay", weightDecay);
        flags.put("trainer.clip.norm", clipNorm);
        flags.put("trainer.distillation.schedule", schedule);
        if (temperature != null || alpha != null) {
            flags.put("trainer.distillation.schedule", "0:" + (temperature == null ? 4.0 : temperature) + ":"
                    + (alpha == null ? 0.9 : alpha));
        }
        flags.put("trainer.distillation.interpolation", interpolation);
        flags.put("trainer.adaptive", adaptive);
        flags.put("trainer.teacher.targets", teacherTargets);
        flags.put("trainer.tuning", tuning);
        flags.put("trainer.tuning.grid", tuningGrid);
        flags.put("trainer.tuning.window.samples", tuningWindow);
        flags.put("trainer.retain.versions", retainVersions);
        flags.put("trainer.replay.capacity", replayCapacity);
        flags.put("trainer.replay.ratio", replayRatio);
        flags.put("trainer.publish.every.samples", publishEvery);
        flags.put("trainer.publish.interval.ms", publishIntervalMs);
        flags.put("trainer.gate.tolerance", gateTolerance);
        flags.put("trainer.gate.min.holdout", gateMinHoldout);
        flags.put("trainer.gate.first.version.after.samples", firstVersionAfter);
        flags.put("trainer.device", device);
        flags.put("trainer.blob.store", blobStore);
        flags.put("trainer.max.samples", maxSamples);
        flags.put("trainer.site", site);
        flags.put("topics.sites", sites);
        flags.put("trainer.codistill.beta", codistillBeta);
        flags.put("trainer.codistill.refresh.ms", codistillRefreshMs);
        flags.put("trainer.codistill.unlabelled", codistillUnlabelled);
        flags.put("trainer.augment", augment);
        flags.put("trainer.augment.shift.pixels", augmentShift);
        flags.put("trainer.augment.crop.padding", augmentCropPadding);
        flags.put("trainer.augment.noise.std", augmentNoiseStd);
        flags.put("trainer.augment.seed", augmentSeed);
        flags.put("trainer.qad", qad);
        flags.put("trainer.checkpoint.format", checkpointFormat);
        flags.put("trainer.checkpoint.int8.model", int8Model);
        flags.put("kafka.bootstrap.servers", bootstrapServers);
        flags.put("registry.url", registryUrl);
        flags.put("topics.prefix", topicPrefix);
        flags.put("metrics.port", metricsPort);
        flags.values().removeIf(java.util.Objects::isNull);
        flags.putAll(extra);
        return b.overrides(flags).build();
    }

    @Override
    public Integer call() throws Exception {
        if (threads != null) {
            System.setProperty("ai.djl.pytorch.num_threads", threads.toString());
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
        DistillConfig config = configuration();
        TrainerSettings settings = TrainerSettings.fromConfig(config);
        log.info("distill trainer starting; {}", config.dump());
        TopicCatalogue catalogue = TopicCatalogue.fromConfig(config);
        try (Admin admin = Admin.create(config.kafkaProperties())) {
            catalogue.ensure(admin);
        }
        RegistryClient registry = new HttpRegistryClient(config.registryClientConfig());
        Topics topics = catalogue.topics(registry, config.getBoolean("serde.auto.register", true));
        int port = config.getInt("metrics.port", 9403, -1, 65535);
        try (ServiceEndpoint endpoint = port >= 0 ? ServiceEndpoint.start("student-trainer", config.getString("metrics.host", "127.0.0.1"), port) : null) {
            io.micrometer.core.instrument.MeterRegistry meters = endpoint != null ? endpoint.registry()
                    : new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
            TrainerService service = new TrainerService(settings, topics, config.kafkaProperties(),
                    new SerdeExampleDecoder(registry), meters, config.configHash(), codeVersion());
            Runtime.getRuntime().addShutdownHook(new Thread(service::close, "trainer-shutdown"));
            service.start();
            if (endpoint != null) {
                endpoint.readiness(service::isReady);
            }
            service.run();
            service.close();
            if (service.stoppedByFencing()) {
                return EXIT_FENCED;
            }
        }
        return 0;
    }

    static String codeVersion() {
        String v = TrainerCommand.class.getPackage().getImplementationVersion();
        return v != null ? v : "dev";
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new TrainerCommand()).execute(args));
    }
}
