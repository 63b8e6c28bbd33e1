package io.distill.serving.cli;

import io.distill.core.config.ConnectionOptions;
import io.distill.core.config.DistillConfig;
import io.distill.core.http.AdminTokenGuard;
import io.distill.core.topics.TopicCatalogue;
import io.distill.serving.model.ServingContract;
import io.distill.serving.quality.QualityGate;
import io.distill.serving.server.ServerSettings;
import io.distill.serving.server.StudentServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code distill serve}: runs one student server instance until interrupted. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve the current student checkpoint over HTTP JSON (and optionally Kafka).",
                "Follows the model's manifests and control records on its own, swaps a version in only after size,",
                "SHA-256, label space, input shape and warm-up check out, and is ready once a first version is loaded."})
public final class ServeCommand implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection = new ConnectionOptions();

    @Option(names = "--model", paramLabel = "NAME", description = "Student model to serve (serving.model).")
    String model;

    @Option(names = "--label-space", paramLabel = "ID:VERSION",
            description = "Label space answers are in (serving.label.space, default fashion-mnist:1).")
    String labelSpace;

    @Option(names = "--input-shape", paramLabel = "DIMS",
            description = "Shape of one input clients send, e.g. 1,28,28 (serving.input.shape).")
    String inputShape;

    @Option(names = "--http-host", description = "HTTP host (serving.http.host, default 127.0.0.1).")
    String httpHost;

    @Option(names = "--http-port", description = "HTTP port, 0 = any free port (serving.http.port, default 8090).")
    Integer httpPort;

    @Option(names = "--instance-id", description = "Identity of this instance (serving.instance.id).")
    String instanceId;

    @Option(names = "--kafka-inference", negatable = true, fallbackValue = "true",
            description = "Answer requests from the requests topic (serving.kafka.inference, default false).")
    Boolean kafkaInference;

    @Option(names = "--task", description = "Task of the requests to answer (serving.task, default the label space id).")
    String task;

    @Option(names = "--live-quality", negatable = true, fallbackValue = "true",
            description = "Compare answers with the teacher's soft labels (serving.quality.enabled, default false).")
    Boolean liveQuality;

    @Option(names = "--sample-rate", description = "Share of answers compared (serving.quality.sample.rate, default 1.0).")
    Double sampleRate;

    @Option(names = "--agreement-threshold",
            description = "Agreement below which a version counts as dropped (serving.quality.threshold, default 0.5).")
    Double threshold;

    @Option(names = "--agreement-window", description = "Compared answers per window (serving.quality.window, default 500).")
    Integer window;

    @Option(names = "--agreement-min-samples",
            description = "Compared answers before a drop can be declared (serving.quality.min.samples, default 200).")
    Integer minSamples;

    @Option(names = "--auto-rollback", negatable = true, fallbackValue = "true",
            description = "On a drop, roll the fleet back with a control record (serving.quality.rollback, default false).")
    Boolean autoRollback;

    @Option(names = "--device", description = "auto, cpu, gpu or gpu:<n> (serving.device, default auto).")
    String device;

    static Map<String, String> defaults() {
        Map<String, String> d = ConnectionOptions.connectionDefaults();
        d.put("serving.model", "fashion-student");
        d.put("serving.label.space", "fashion-mnist:1");
        d.put("serving.input.shape", "1,28,28");
        d.put("serving.http.host", "127.0.0.1");
        d.put("serving.http.port", "8090");
        d.put("serving.instance.id", "serving-" + ManagementFactory.getRuntimeMXBean().getPid());
        d.put("serving.kafka.inference", "false");
        d.put("serving.quality.enabled", "false");
        d.put("serving.quality.sample.rate", "1.0");
        d.put("serving.quality.threshold", "0.5");
        d.put("serving.quality.window", "500");
        d.put("serving.quality.min.samples", "200");
        d.put("serving.quality.rollback", "false");
        d.put("serving.device", "auto");
        d.put(AdminTokenGuard.KEY, "");
        return d;
    }

    DistillConfig config() {
        Map<String, String> flags = new HashMap<>();
        ConnectionOptions.put(flags, "serving.model", model);
        ConnectionOptions.put(flags, "serving.label.space", labelSpace);
        ConnectionOptions.put(flags, "serving.input.shape", inputShape);
        ConnectionOptions.put(flags, "serving.http.host", httpHost);
        ConnectionOptions.put(flags, "serving.http.port", httpPort);
        ConnectionOptions.put(flags, "serving.instance.id", instanceId);
        ConnectionOptions.put(flags, "serving.kafka.inference", kafkaInference);
        ConnectionOptions.put(flags, "serving.task", task);
        ConnectionOptions.put(flags, "serving.quality.enabled", liveQuality);
        ConnectionOptions.put(flags, "serving.quality.sample.rate", sampleRate);
        ConnectionOptions.put(flags, "serving.quality.threshold", threshold);
        ConnectionOptions.put(flags, "serving.quality.window", window);
        ConnectionOptions.put(flags, "serving.quality.min.samples", minSamples);
        ConnectionOptions.put(flags, "serving.quality.rollback", autoRollback);
        ConnectionOptions.put(flags, "serving.device", device);
        return connection.config(defaults(), flags);
    }

    /**
     * The validated server settings of a configuration. The admin token of the state-changing routes comes from
     * {@code http.admin.token} (DISTILL_HTTP_ADMIN_TOKEN) or, as before, {@code serving.admin.token}.
     */
    static ServerSettings settings(DistillConfig c) {
        String ls = c.getString("serving.label.space");
        List<String> classes = c.find("serving.label.classes").map(v -> List.of(v.split(","))).orElse(List.of());
        ServingContract contract = ServingContract.parse(ls, new ArrayList<>(classes), c.getString("serving.input.shape"));
        String model = c.getString("serving.model");
        QualityGate gate = new QualityGate(c.getDouble("serving.quality.threshold"), c.getInt("serving.quality.window"),
                c.getInt("serving.quality.min.samples"), c.getBoolean("serving.quality.rollback"));
        return new ServerSettings(model, contract, c.getString("serving.http.host"), c.getInt("serving.http.port"),
                c.find(AdminTokenGuard.KEY).orElse(c.getString(AdminTokenGuard.SERVING_KEY, "")),
                c.getString("serving.instance.id"),
                c.getBoolean("serving.kafka.inference"), c.getString("serving.task", contract.labelSpaceId()),
                c.getString("serving.group.id", "distill-serving-" + model), c.getBoolean("serving.quality.enabled"),
                c.getDouble("serving.quality.sample.rate"), gate, c.getString("serving.device"));
    }

    @Override
    public Integer call() throws Exception {
        CountDownLatch stop = new CountDownLatch(1);
        try (StudentServer server = start(System.out)) {
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
            stop.await();
        }
        return 0;
    }

    /** Prints the effective configuration (secrets masked) to {@code out} and starts the server. */
    public StudentServer start(PrintStream out) throws IOException {
        DistillConfig config = config();
        ServerSettings settings = settings(config);
        out.println("distill serve configuration:");
        out.println(config.dump());
        StudentServer server = StudentServer.start(settings, ConnectionOptions.topics(config), config.kafkaProperties());
        out.println("serving " + settings.model() + " on " + server.baseUrl() + " (topics "
                + TopicCatalogue.fromConfig(config).prefix() + "*)");
        return server;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ServeCommand()).execute(args));
    }
}
