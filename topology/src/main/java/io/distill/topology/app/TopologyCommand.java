package io.distill.topology.app;

import io.distill.core.config.DistillConfig;
import io.distill.topology.RegistrySerdes;
import io.distill.topology.config.TopologyConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code distill topology}: runs the topology until stopped (SIGTERM/Ctrl-C closes it cleanly).
 * Settings come from defaults &lt; {@code --config} file &lt; {@code DISTILL_*} environment &lt;
 * flags; the effective configuration is printed once at start, secrets masked.
 */
@Command(name = "topology", mixinStandardHelpOptions = true,
        description = {"Joins requests, teachers' soft labels and ground truth into training and hold-out examples.",
                "Every setting can also be given as a key in --config or as DISTILL_<KEY> (dots as underscores)."})
public final class TopologyCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(TopologyCommand.class);

    @Option(names = "--config", description = "Properties file with settings (keys as in the documentation).")
    Path configFile;

    @Option(names = "--bootstrap-servers", description = "Kafka bootstrap servers (kafka.bootstrap.servers).")
    String bootstrapServers;

    @Option(names = "--registry-url", description = "Schema registry base URL (registry.url).")
    String registryUrl;

    @Option(names = "--application-id", description = "Kafka Streams application id (default distill-topology).")
    String applicationId;

    @Option(names = "--topic-prefix", description = "Prefix of every topic name (topics.prefix, default distill.).")
    String topicPrefix;

    @Option(names = "--teachers", split = ",", description = "Expected teacher ids, comma separated (teachers).")
    java.util.List<String> teachers;

    @Option(names = "--teacher-weight", description = "Prior weight of a teacher, ID=WEIGHT; repeatable (teacher.ID.weight).")
    Map<String, String> teacherWeights;

    @Option(names = "--ensemble-mode", description = "fixed | confidence (ensemble.mode, default fixed).")
    String ensembleMode;

    @Option(names = "--ensemble-timeout-ms", description = "Wall-clock wait for missing teachers (default 5000).")
    Long ensembleTimeoutMs;

    @Option(names = "--labels-window-ms", description = "Ground truth window after the request's event time (default 3600000).")
    Long labelsWindowMs;

    @Option(names = "--holdout-fraction", description = "Fraction of sample keys held out (default 0.1).")
    Double holdoutFraction;

    @Option(names = "--allowlist-metadata", split = ",", description = "Metadata keys that may reach examples.")
    java.util.List<String> allowlist;

    @Option(names = "--min-confidence", description = "Minimum ensemble confidence (filter.min.confidence, default 0 = off).")
    Double minConfidence;

    @Option(names = "--class-cap", description = "Examples per class per sampling window (sampling.class.cap, 0 = off).")
    Integer classCap;

    @Option(names = "--sampling-window-ms", description = "Sampling window (sampling.window.ms, default 60000).")
    Long samplingWindowMs;

    @Option(names = "--rate-limit", description = "Examples per second per stream task (rate.limit.per.s, 0 = off).")
    Double rateLimit;

    @Option(names = "--metrics-port", description = "Port of /metrics, /health, /ready, /dispositions (default 9404).")
    Integer metricsPort;

    @Option(names = "--create-topics", description = "Create missing topics (core's topic catalogue) before starting.")
    boolean createTopics;

    @Option(names = {"-D", "--set"}, description = "Any setting as KEY=VALUE; repeatable.")
    Map<String, String> settings;

    @Override
    public Integer call() throws Exception {
        TopologyConfig config = TopologyConfig.from(effective().asMap());
        System.out.println("distill topology, configuration:");
        System.out.print(DistillConfig.of(config.asMap()).dump());
        if (createTopics) {
            Map<String, Object> adminProps = new LinkedHashMap<>(config.kafkaOverrides());
            adminProps.put("bootstrap.servers", config.bootstrapServers());
            try (Admin admin = Admin.create(adminProps)) {
                log.info("topics: {}", config.topics().ensure(admin));
            }
        }
        CountDownLatch stop = new CountDownLatch(1);
        try (TopologyService service = TopologyService.start(config, RegistrySerdes.create(config))) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                stop.countDown();
                service.close();
            }, "topology-shutdown"));
            log.info("topology running; dispositions on {}/dispositions", service.endpoint().baseUrl());
            stop.await();
        }
        return 0;
    }

    /** Defaults &lt; file &lt; environment &lt; flags. */
    public DistillConfig effective() {
        DistillConfig.Builder b = DistillConfig.builder();
        if (configFile != null) {
            b.propertiesFile(configFile);
        }
        b.systemEnvironment();
        b.overrides(flags());
        return b.build();
    }

    private Map<String, String> flags() {
        Map<String, String> f = new LinkedHashMap<>();
        if (settings != null) {
            f.putAll(settings);
        }
        put(f, "kafka.bootstrap.servers", bootstrapServers);
        put(f, "registry.url", registryUrl);
        put(f, "application.id", applicationId);
        put(f, "topics.prefix", topicPrefix);
        put(f, "teachers", teachers == null ? null : String.join(",", teachers));
        if (teacherWeights != null) {
            teacherWeights.forEach((id, w) -> f.put("teacher." + id + ".weight", w));
        }
        put(f, "ensemble.mode", ensembleMode);
        put(f, "ensemble.timeout.ms", ensembleTimeoutMs);
        put(f, "labels.window.ms", labelsWindowMs);
        put(f, "holdout.fraction", holdoutFraction);
        put(f, "allowlist.metadata", allowlist == null ? null : String.join(",", allowlist));
        put(f, "filter.min.confidence", minConfidence);
        put(f, "sampling.class.cap", classCap);
        put(f, "sampling.window.ms", samplingWindowMs);
        put(f, "rate.limit.per.s", rateLimit);
        put(f, "metrics.port", metricsPort);
        return f;
    }

    private static void put(Map<String, String> map, String key, Object value) {
        if (value != null) {
            map.put(key, value.toString());
        }
    }
}
