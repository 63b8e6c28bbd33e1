package io.distill.cli.faults;

import io.distill.cli.stack.StackCommand;
import io.distill.core.config.DistillConfig;
import io.distill.core.registry.HttpRegistryClient;
import io.distill.core.topics.TopicCatalogue;
import io.distill.core.topics.Topics;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.FreePorts;
import io.distill.stack.KafkaMode;
import io.distill.stack.StackOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pipeline on one machine for fault and soak runs: a broker in its own process (so it can be killed and
 * restarted) and the schema registry, with teacher-service, topology and trainer each its own JVM. Every role is
 * configured through its properties file ({@code kafka.*} keys, as an operator would) for quick recovery:
 * stable transactional ids (the services derive them from their configuration), static group membership
 * ({@code kafka.group.instance.id}) so a restarted member takes its partitions back without a rebalance, and short
 * session, poll and transaction timeouts so that a dead member or an abandoned transaction costs seconds.
 */
public final class LocalPipeline implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalPipeline.class);

    public static final String TEACHER = "teacher-service";
    public static final String TOPOLOGY = "topology";
    public static final String TRAINER = "trainer";
    public static final String MODEL = "faults-student";
    public static final String TOPOLOGY_APPLICATION_ID = "distill-topology";
    /** The trainer's heap cap (-Xmx). */
    public static final String TRAINER_HEAP = "512m";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * How to run the pipeline.
     *
     * @param workDir         stack data, role configuration, state and logs
     * @param teachersDir     where the tiny teacher is trained and reused
     * @param partitions      partitions of the data topics
     * @param publishEvery    the trainer's publication interval in samples
     * @param quickRecovery   whether to set the short timeouts and static membership (fault runs) or leave the
     *                        services' defaults (soak)
     * @param fastStart       run the roles on C1 only, for quicker restarts
     * @param trainerJvmOptions further JVM options of the trainer only (e.g. native memory tracking in a soak)
     * @param kafkaFeatures   feature levels the broker's storage is formatted with (e.g. {@code transaction.version});
     *                        empty for the release's defaults
     */
    public record Settings(Path workDir, Path teachersDir, int partitions, long publishEvery, boolean quickRecovery,
                           boolean fastStart, List<String> trainerJvmOptions, Map<String, Integer> kafkaFeatures) {

        public Settings {
            trainerJvmOptions = List.copyOf(trainerJvmOptions);
            kafkaFeatures = Map.copyOf(kafkaFeatures);
        }

        public Settings(Path workDir, Path teachersDir, int partitions, long publishEvery, boolean quickRecovery,
                        boolean fastStart, List<String> trainerJvmOptions) {
            this(workDir, teachersDir, partitions, publishEvery, quickRecovery, fastStart, trainerJvmOptions, Map.of());
        }

        public Settings(Path workDir, Path teachersDir, int partitions, long publishEvery, boolean quickRecovery,
                        boolean fastStart) {
            this(workDir, teachersDir, partitions, publishEvery, quickRecovery, fastStart, List.of());
        }
    }

    /** The client settings of a quick-recovery run: {@code kafka.*} keys every role gets. */
    static Map<String, String> quickRecoveryKeys(String instanceId) {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("kafka.group.instance.id", instanceId);
        keys.put("kafka.session.timeout.ms", "6000");
        keys.put("kafka.heartbeat.interval.ms", "1000");
        keys.put("kafka.max.poll.interval.ms", "30000");
        keys.put("kafka.transaction.timeout.ms", "10000");
        return keys;
    }

    private final Settings settings;
    private final EmbeddedStack stack;
    private final DistillConfig connection;
    private final Topics topics;
    private final Map<String, PipelineRole> roles = new LinkedHashMap<>();

    private LocalPipeline(Settings settings, EmbeddedStack stack, DistillConfig connection, Topics topics) {
        this.settings = settings;
        this.stack = stack;
        this.connection = connection;
        this.topics = topics;
    }

    /** Starts the stack, creates the topics, trains the teacher if needed and starts the roles; waits until ready. */
    public static LocalPipeline start(Settings settings) throws IOException {
        Path teacherDir = TinyTeacher.ensure(settings.teachersDir());
        Path dir = settings.workDir().toAbsolutePath();
        Files.createDirectories(dir);
        // A run starts from nothing: the topology's local state of an earlier run (same application id, same request
        // ids for the same seed) would otherwise be taken for this run's and decide its requests as duplicates.
        deleteRecursively(dir.resolve("topology-state"));
        deleteRecursively(dir.resolve("logs"));
        StackOptions.Builder builder = StackOptions.builder();
        settings.kafkaFeatures().forEach(builder::kafkaFeature);
        StackOptions options = builder
                .workDir(dir.resolve("stack"))
                .deleteWorkDirOnClose(true)
                .kafkaMode(KafkaMode.PROCESS)
                .kafkaHeap("512m")
                .kafkaJvmArg("-Dlogback.configurationFile=" + brokerLogConfig(dir))
                // The stack's 4 s broker session (quick unfencing after a crash-restart) is missed on a machine
                // under heavy load: the combined controller then fences its own broker (NOT_LEADER_OR_FOLLOWER for
                // everyone). 15 s survives load; a restart after kill -9 waits out the dead session once.
                .brokerProperty("broker.session.timeout.ms", "15000")
                .build();
        EmbeddedStack stack = EmbeddedStack.start(options);
        try {
            DistillConfig connection = StackCommand.connection(stack, TopicCatalogue.DEFAULT_PREFIX, settings.partitions());
            StackCommand.prepare(stack, connection);
            Topics topics = TopicCatalogue.fromConfig(connection)
                    .topics(new HttpRegistryClient(connection.registryClientConfig()), true);
            LocalPipeline pipeline = new LocalPipeline(settings, stack, connection, topics);
            pipeline.startRoles(teacherDir);
            return pipeline;
        } catch (IOException | RuntimeException e) {
            stack.close();
            throw e;
        }
    }

    private void startRoles(Path teacherDir) throws IOException {
        Path dir = settings.workDir().toAbsolutePath();
        Path logs = dir.resolve("logs");
        List<String> jvm = new ArrayList<>(List.of("-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1"));
        if (settings.fastStart()) {
            jvm.add("-XX:TieredStopAtLevel=1");
        }
        // A role's metrics port stays the same across its restarts: picked outside the ephemeral range.
        int teacherPort = FreePorts.pick();
        int topologyPort = FreePorts.pick();
        int trainerPort = FreePorts.pick();
        add(new PipelineRole(TEACHER, "384m", logs, jvm, List.of("teacher", "serve",
                "--config", roleConfig(TEACHER).toString(), "--model", teacherDir.toString(), "--device", "cpu",
                "--commit-interval-ms", "100", "--metrics-port", Integer.toString(teacherPort)), teacherPort));
        add(new PipelineRole(TOPOLOGY, "384m", logs, jvm, List.of("topology",
                "--config", roleConfig(TOPOLOGY).toString(), "--teachers", TinyTeacher.ID,
                "--application-id", TOPOLOGY_APPLICATION_ID, "--ensemble-timeout-ms", "60000",
                "--set", "state.dir=" + dir.resolve("topology-state"),
                "--metrics-port", Integer.toString(topologyPort)), topologyPort));
        String every = Long.toString(settings.publishEvery());
        List<String> trainerJvm = new ArrayList<>(jvm);
        trainerJvm.addAll(settings.trainerJvmOptions());
        add(new PipelineRole(TRAINER, TRAINER_HEAP, logs, trainerJvm, List.of("trainer",
                "--config", roleConfig(TRAINER).toString(), "--model", MODEL, "--architecture", "mlp:64",
                "--temperature", "4", "--alpha", "0.9", "--threads", "1", "--device", "cpu",
                "--publish-every", every, "--first-version-after", every, "--publish-interval-ms", "5000",
                "--gate-min-holdout", "50", "--gate-tolerance", "1", "--set", "trainer.gate.kl.tolerance=100",
                "--metrics-port", Integer.toString(trainerPort)), trainerPort));
        for (PipelineRole role : roles.values()) {
            role.start();
        }
        awaitReady(Duration.ofMinutes(4));
    }

    private void add(PipelineRole role) {
        roles.put(role.name(), role);
    }

    /** Writes the role's properties file: the connection, plus the quick-recovery keys when asked for. */
    private Path roleConfig(String role) throws IOException {
        Path file = settings.workDir().toAbsolutePath().resolve(role + ".properties");
        List<String> lines = new ArrayList<>();
        lines.add("kafka.bootstrap.servers=" + stack.bootstrapServers());
        lines.add("registry.url=" + stack.registryUrl());
        lines.add("topics.prefix=" + TopicCatalogue.DEFAULT_PREFIX);
        lines.add("topics.partitions=" + settings.partitions());
        if (settings.quickRecovery()) {
            Map<String, String> keys = quickRecoveryKeys("faults-" + role + "-0");
            if (role.equals(TRAINER)) {
                // The trainer reads by assignment (its offsets travel in its manifests), so it has no group to join.
                keys.keySet().removeIf(k -> !k.equals("kafka.transaction.timeout.ms"));
            }
            keys.forEach((k, v) -> lines.add(k + "=" + v));
        }
        Files.write(file, lines);
        return file;
    }

    /** Waits until every role answers {@code /ready} with 200. */
    public void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (PipelineRole role : roles.values()) {
            while (!isReady(role)) {
                if (!role.isAlive()) {
                    throw new IllegalStateException(role.name() + " exited while starting; last lines of "
                            + role.logFile() + ":\n" + role.logTail(40));
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(role.name() + " not ready within " + timeout.toSeconds()
                            + " s; last lines of " + role.logFile() + ":\n" + role.logTail(40));
                }
                sleep(250);
            }
        }
    }

    /** Whether the role's {@code /ready} answers 200. */
    public static boolean isReady(PipelineRole role) {
        try {
            HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + role.metricsPort() + "/ready"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Writes the broker's logging configuration of a run (see {@code faults-broker-logback.xml}) into its directory. */
    private static Path brokerLogConfig(Path dir) throws IOException {
        Path file = dir.resolve("broker-logback.xml");
        try (var in = LocalPipeline.class.getResourceAsStream("/faults-broker-logback.xml")) {
            if (in == null) {
                throw new IOException("faults-broker-logback.xml is missing from the class path");
            }
            Files.copy(in, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return file;
    }

    static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (var files = Files.walk(path)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    public EmbeddedStack stack() {
        return stack;
    }

    public DistillConfig connection() {
        return connection;
    }

    public Topics topics() {
        return topics;
    }

    public PipelineRole role(String name) {
        return roles.get(name);
    }

    public Map<String, PipelineRole> roles() {
        return roles;
    }

    /** The Kafka client settings of a tool that reads or writes this pipeline's topics. */
    public Map<String, Object> clientProperties() {
        return connection.kafkaProperties();
    }

    /** Stops the roles gracefully (SIGTERM, then kill after the grace). */
    public void stopRoles() {
        List<PipelineRole> reversed = new ArrayList<>(roles.values());
        java.util.Collections.reverse(reversed);
        for (PipelineRole role : reversed) {
            role.stop(Duration.ofSeconds(20));
        }
    }

    @Override
    public void close() {
        try {
            roles.values().forEach(PipelineRole::close);
        } finally {
            log.info("stopping the stack");
            stack.close();
        }
    }
}
