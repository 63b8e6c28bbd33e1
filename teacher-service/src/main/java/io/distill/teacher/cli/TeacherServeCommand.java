package io.distill.teacher.cli;

import io.distill.core.config.DistillConfig;
import io.distill.core.metrics.ServiceEndpoint;
import io.distill.core.registry.HttpRegistryClient;
import io.distill.core.registry.RegistryClient;
import io.distill.core.topics.TopicCatalogue;
import io.distill.teacher.model.DeviceSelection;
import io.distill.teacher.model.TeacherLoader;
import io.distill.teacher.model.TeacherModel;
import io.distill.teacher.service.TeacherCodecs;
import io.distill.teacher.service.TeacherMetrics;
import io.distill.teacher.service.TeacherService;
import io.distill.teacher.service.TeacherServiceSettings;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code distill teacher serve}: runs one teacher on the requests topic until stopped (SIGTERM or
 * Ctrl-C drain in-flight batches and commit before exiting).
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve a teacher: consume InferenceRequests, run the teacher with dynamic micro-batching, "
                + "publish SoftLabels (and optionally Predictions), dead-letter bad input.",
                "Configuration: defaults < --config file < DISTILL_* environment < flags."})
public final class TeacherServeCommand implements Callable<Integer> {

    /** Exit status when the service stopped because another instance with its transactional id kept fencing it. */
    public static final int EXIT_REFUSED = 3;

    @Option(names = "--config", description = "Properties file.")
    Path configFile;

    @Option(names = "--model", description = "Teacher directory or TorchScript/ONNX file (teacher.model). "
            + "Default: <work dir>/teachers/<--teacher>.")
    String model;

    @Option(names = "--teacher", description = "Id of a trained teacher in the work directory, e.g. cnn-a.")
    String teacherName;

    @Option(names = "--work-dir", description = "Work directory holding teachers/ (default: <project>/.distill).")
    Path workDir;

    @Option(names = "--bootstrap-servers", description = "Kafka bootstrap servers (kafka.bootstrap.servers).")
    String bootstrap;

    @Option(names = "--registry-url", description = "Schema registry URL (registry.url).")
    String registryUrl;

    @Option(names = "--guarantee", description = "exactly_once (default) or at_least_once (teacher.guarantee).")
    String guarantee;

    @Option(names = "--instance-id", description = "Stable id of this replica; part of the transactional id "
            + "(teacher.instance.id, default 0).")
    String instanceId;

    @Option(names = "--max-batch-size", description = "Largest inference batch (teacher.batch.max.size, default 64).")
    Integer maxBatchSize;

    @Option(names = "--max-batch-wait-ms", description = "Longest wait of a batch's oldest input "
            + "(teacher.batch.max.wait.ms, default 5).")
    Long maxBatchWaitMs;

    @Option(names = "--workers", description = "Inference threads, each with its own predictor (teacher.workers, default 1).")
    Integer workers;

    @Option(names = "--max-in-flight", description = "Records in flight before the consumer pauses "
            + "(teacher.max.in.flight, default 2048).")
    Integer maxInFlight;

    @Option(names = "--commit-interval-ms", description = "Transaction/commit interval (teacher.commit.interval.ms, default 100).")
    Long commitIntervalMs;

    @Option(names = "--output", description = "dense or top_k soft labels (teacher.output.form, default dense).")
    String outputForm;

    @Option(names = "--top-k", description = "k of top-k soft labels (teacher.output.top.k, default 5).")
    Integer topK;

    @Option(names = "--predictions", description = "Also publish Predictions on the responses topic "
            + "(teacher.predictions.enabled).")
    Boolean predictions;

    @Option(names = "--sample-fraction", description = "Share of requests labelled, by sample key "
            + "(teacher.sampling.fraction, default 1.0).")
    Double sampleFraction;

    @Option(names = "--device", description = "auto, cpu, gpu or gpu:<n> (teacher.device, default auto).")
    String device;

    @Option(names = "--metrics-port", description = "Port of /metrics, /health, /ready (metrics.port, default 9402; 0 = any).")
    Integer metricsPort;

    @Option(names = "--simulated-latency-ms", description = "Extra time per batch, to study a slow teacher "
            + "(teacher.simulated.latency.ms, default 0).")
    Long simulatedLatencyMs;

    @Option(names = "--topic-prefix", description = "Prefix of every topic name (topics.prefix, default distill.).")
    String topicsPrefix;

    private volatile TeacherService service;

    /** @return the effective configuration: defaults < file < environment < flags */
    DistillConfig config() {
        Map<String, String> flags = new LinkedHashMap<>();
        if (model == null && teacherName != null) {
            model = TeacherStore.teacherDir(workDir != null ? workDir : TeacherStore.defaultWorkDir(), teacherName)
                    .toString();
        }
        put(flags, TeacherConfig.MODEL, model);
        put(flags, TeacherConfig.BOOTSTRAP, bootstrap);
        put(flags, TeacherConfig.REGISTRY_URL, registryUrl);
        put(flags, TeacherConfig.GUARANTEE, guarantee);
        put(flags, TeacherConfig.INSTANCE_ID, instanceId);
        put(flags, TeacherConfig.BATCH_MAX_SIZE, maxBatchSize);
        put(flags, TeacherConfig.BATCH_MAX_WAIT, maxBatchWaitMs);
        put(flags, TeacherConfig.WORKERS, workers);
        put(flags, TeacherConfig.MAX_IN_FLIGHT, maxInFlight);
        put(flags, TeacherConfig.COMMIT_INTERVAL, commitIntervalMs);
        put(flags, TeacherConfig.OUTPUT_FORM, outputForm);
        put(flags, TeacherConfig.TOP_K, topK);
        put(flags, TeacherConfig.PUBLISH_PREDICTIONS, predictions);
        put(flags, TeacherConfig.SAMPLE_FRACTION, sampleFraction);
        put(flags, TeacherConfig.DEVICE, device);
        put(flags, TeacherConfig.METRICS_PORT, metricsPort);
        put(flags, TeacherConfig.SIMULATED_LATENCY, simulatedLatencyMs);
        put(flags, "topics.prefix", topicsPrefix);
        DistillConfig.Builder b = DistillConfig.builder().defaults(TeacherConfig.defaults());
        if (configFile != null) {
            b.propertiesFile(configFile);
        }
        return b.systemEnvironment().overrides(flags).build();
    }

    private static void put(Map<String, String> flags, String key, Object value) {
        if (value != null) {
            flags.put(key, value.toString());
        }
    }

    @Override
    public Integer call() throws Exception {
        DistillConfig config = config();
        System.out.println("teacher-service configuration:");
        System.out.println(config.dump());
        String modelPath = config.find(TeacherConfig.MODEL).orElseThrow(() -> new CommandLine.ParameterException(
                new CommandLine(this), "no teacher: give --model <path>, --teacher <id> or teacher.model"));
        TopicCatalogue catalogue = TopicCatalogue.fromConfig(config);
        Map<String, Object> adminProps = new LinkedHashMap<>(config.kafkaProperties());
        adminProps.putIfAbsent(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.getString(TeacherConfig.BOOTSTRAP));
        try (Admin admin = Admin.create(adminProps)) {
            catalogue.ensure(admin);
        }
        try (RegistryClient registry = new HttpRegistryClient(config.registryClientConfig());
                TeacherModel teacher = TeacherLoader.load(Path.of(modelPath),
                        DeviceSelection.resolve(config.getString(TeacherConfig.DEVICE)));
                ServiceEndpoint endpoint = ServiceEndpoint.start("teacher-service",
                        config.getString(TeacherConfig.METRICS_HOST), config.getInt(TeacherConfig.METRICS_PORT))) {
            TeacherServiceSettings settings = TeacherConfig.settings(config, catalogue, teacher.id());
            TeacherCodecs codecs = TeacherCodecs.of(catalogue.topics(registry,
                    config.getBoolean("serde.auto.register", true)), registry);
            service = new TeacherService(settings, teacher, codecs, new TeacherMetrics(endpoint.registry(), teacher.id()));
            endpoint.readiness(service::isReady);
            Thread hook = new Thread(service::stop, "teacher-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            service.run();
            if (service.stoppedByRefusal()) {
                return EXIT_REFUSED;
            }
        }
        return 0;
    }

    /** Runs the teacher service alone. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new TeacherServeCommand()).execute(args));
    }
}
