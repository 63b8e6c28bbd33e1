package io.distill.stack;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka cluster: one KRaft process that is broker and controller at once, listening on
 * 127.0.0.1 only. It runs in this JVM ({@link KafkaMode#IN_PROCESS}) or as a child JVM ({@link KafkaMode#PROCESS},
 * see {@link KafkaProcess}). Its ports and data survive {@link #restart()}.
 *
 * <p>Layout under its directory: {@code server.properties}, {@code data/} (the log directory), and in process mode
 * {@code broker.log} and {@code broker.pid}.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

    /** The client listener every stack has; also used between broker and controller. */
    public static final String CLIENT_LISTENER = "PLAINTEXT";
    /** The KRaft controller listener. */
    public static final String CONTROLLER_LISTENER = "CONTROLLER";

    private static final Duration STOP_GRACE = Duration.ofSeconds(30);

    private final StackOptions options;
    private final Path dir;
    private final Path dataDir;
    private final boolean deleteDirOnClose;
    /** Listener name to port, resolved at the first start. Insertion order: client, controller, extras. */
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private final Map<String, String> protocols = new LinkedHashMap<>();

    private KafkaBroker inProcess;
    private Process process;
    private OutputStream processStdin;
    private Thread shutdownHook;
    private boolean closed;

    /**
     * A broker that keeps its files under {@code dir} (created if needed) and is not started yet. The directory is
     * left in place by {@link #close()}.
     */
    public EmbeddedKafka(StackOptions options, Path dir) {
        this(options, dir, false);
    }

    private EmbeddedKafka(StackOptions options, Path dir, boolean deleteDirOnClose) {
        this.options = options;
        this.dir = dir.toAbsolutePath().normalize();
        this.dataDir = this.dir.resolve("data");
        this.deleteDirOnClose = deleteDirOnClose;
        ports.put(CLIENT_LISTENER, options.kafkaPort());
        protocols.put(CLIENT_LISTENER, "PLAINTEXT");
        ports.put(CONTROLLER_LISTENER, options.controllerPort());
        protocols.put(CONTROLLER_LISTENER, "PLAINTEXT");
        for (Listener l : options.listeners()) {
            ports.put(l.name(), l.port());
            protocols.put(l.name(), l.securityProtocol());
        }
    }

    /**
     * Starts a broker on its own: under {@code <workDir>/kafka} when the options name a work directory, else in a
     * temporary directory that {@link #close()} deletes.
     */
    public static EmbeddedKafka start(StackOptions options) {
        EmbeddedKafka kafka;
        if (options.workDir().isPresent()) {
            kafka = new EmbeddedKafka(options, options.workDir().get().resolve("kafka"), options.deleteWorkDirOnClose());
        } else {
            kafka = new EmbeddedKafka(options, newTempDir("distill-kafka-"), true);
        }
        try {
            return kafka.start();
        } catch (RuntimeException e) {
            kafka.close();
            throw e;
        }
    }

    static Path newTempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new StackException("Cannot create a temporary directory: " + e.getMessage(), e);
        }
    }

    /** Starts the broker and returns once it serves requests. Does nothing if it runs already. */
    public synchronized EmbeddedKafka start() {
        if (closed) {
            throw new IllegalStateException("EmbeddedKafka is closed");
        }
        if (isRunning()) {
            return this;
        }
        long t0 = System.nanoTime();
        StackSupport.requireUsableDir(dir, "Kafka work directory");
        StackSupport.requireUsableDir(dataDir, "Kafka data directory");
        resolvePorts();
        Path config = writeConfig();
        if (options.kafkaMode() == KafkaMode.IN_PROCESS) {
            inProcess = KafkaBroker.start(config, featureArgs());
        } else {
            startProcess(config);
        }
        LOG.info("Kafka broker ({}) started in {} ms: bootstrap.servers={}, data in {}",
                options.kafkaMode(), (System.nanoTime() - t0) / 1_000_000, bootstrapServers(), dataDir);
        return this;
    }

    private void resolvePorts() {
        for (Map.Entry<String, Integer> e : ports.entrySet()) {
            if (e.getValue() == 0) {
                int port;
                do {
                    port = FreePorts.pick();
                } while (ports.containsValue(port));
                e.setValue(port);
            } else {
                StackSupport.requirePortFree(e.getValue(), "Kafka listener " + e.getKey());
            }
        }
    }

    /** The broker configuration this stack writes, before {@link StackOptions#brokerProperties()} are applied. */
    private Map<String, String> baseConfig() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("process.roles", "broker,controller");
        c.put("node.id", "1");
        c.put("controller.quorum.voters", "1@" + StackSupport.HOST + ":" + ports.get(CONTROLLER_LISTENER));
        c.put("controller.listener.names", CONTROLLER_LISTENER);
        c.put("inter.broker.listener.name", CLIENT_LISTENER);
        c.put("listeners", ports.entrySet().stream()
                .map(e -> e.getKey() + "://" + StackSupport.HOST + ":" + e.getValue())
                .collect(Collectors.joining(",")));
        c.put("advertised.listeners", ports.entrySet().stream()
                .filter(e -> !e.getKey().equals(CONTROLLER_LISTENER))
                .map(e -> e.getKey() + "://" + StackSupport.HOST + ":" + e.getValue())
                .collect(Collectors.joining(",")));
        c.put("listener.security.protocol.map", protocols.entrySet().stream()
                .map(e -> e.getKey() + ":" + e.getValue())
                .collect(Collectors.joining(",")));
        c.put("log.dirs", dataDir.toString());
        c.put("num.partitions", "1");
        c.put("default.replication.factor", "1");
        c.put("min.insync.replicas", "1");
        c.put("offsets.topic.replication.factor", "1");
        c.put("offsets.topic.num.partitions", "5");
        c.put("transaction.state.log.replication.factor", "1");
        c.put("transaction.state.log.min.isr", "1");
        c.put("transaction.state.log.num.partitions", "5");
        c.put("share.coordinator.state.topic.replication.factor", "1");
        c.put("share.coordinator.state.topic.min.isr", "1");
        c.put("group.initial.rebalance.delay.ms", "0");
        c.put("auto.create.topics.enable", "false");
        c.put("delete.topic.enable", "true");
        // The log cleaner allocates this buffer on the heap; the default (128 MiB) is far more than a dev broker needs.
        c.put("log.cleaner.dedupe.buffer.size", Integer.toString(8 * 1024 * 1024));
        c.put("controlled.shutdown.enable", "true");
        // Kafka 4.4 drops transaction markers when a node restarts after a crash (kill -9, power loss): the node replays
        // metadata in which it still leads its partitions and acts as transaction coordinator on it until its new
        // incarnation registers (up to broker.session.timeout.ms later), when its partitions are briefly leaderless.
        // Markers sent in that moment are skipped ("Couldn't find leader endpoint ... likely deleted already and hence
        // can be skipped") while the transaction is completed in the transaction log; a later transaction of the same
        // producer then commits the orphaned records. The coordinator sends markers right after start-up mostly for the
        // transactions that timed out during the outage, in its first timed-out-transaction sweep (default: 10 s after
        // start). A sweep every 60 s moves that past the window; an abandoned transaction is aborted up to a minute
        // later, while a service that restarts with its transactional id aborts its own at once.
        // See docs/RELIABILITY.md, "Transaction markers dropped after a crash restart".
        c.put("transaction.abort.timed.out.transaction.cleanup.interval.ms", "60000");
        if (options.kafkaMode() == KafkaMode.PROCESS) {
            // After a kill, the restarted broker is only unfenced once the dead one's session has expired
            // (default 9 s); a shorter session makes crash-restarts quicker. Heartbeats come every second.
            c.put("broker.session.timeout.ms", "4000");
            c.put("broker.heartbeat.interval.ms", "1000");
        } else {
            // One combined node cannot fail over: fencing itself because a loaded machine delayed its own heartbeat
            // (default session 9 s) only turns leaders away (NOT_LEADER_OR_FOLLOWER) and resets producer sequences.
            c.put("broker.session.timeout.ms", "30000");
        }
        return c;
    }

    private Path writeConfig() {
        Map<String, String> config = baseConfig();
        config.putAll(options.brokerProperties());
        Properties props = new Properties();
        props.putAll(config);
        Path file = dir.resolve("server.properties");
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            props.store(w, "Written by distill-stack; regenerated on every start");
        } catch (IOException e) {
            throw new StackException("Cannot write " + file + ": " + e.getMessage(), e);
        }
        return file;
    }

    private void startProcess(Path config) {
        Path readyFile = dir.resolve("broker.ready");
        Path pidFile = dir.resolve("broker.pid");
        Path log = logFile();
        StackSupport.killStale(pidFile, KafkaProcess.class.getName());
        try {
            Files.deleteIfExists(readyFile);
        } catch (IOException e) {
            throw new StackException("Cannot delete " + readyFile + ": " + e.getMessage(), e);
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(StackSupport.javaExecutable());
        cmd.add("-Xmx" + options.kafkaHeap());
        cmd.add("-XX:+UseSerialGC");
        // C1 only: starts about a third faster on a busy machine. Add -XX:TieredStopAtLevel=4 to
        // StackOptions.kafkaJvmArg for full peak throughput (the last flag wins).
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-Djava.awt.headless=true");
        cmd.addAll(options.kafkaJvmArgs());
        cmd.add("-cp");
        cmd.add(absoluteClasspath(options.kafkaClasspath().orElse(System.getProperty("java.class.path"))));
        cmd.add(KafkaProcess.class.getName());
        cmd.add("--exit-on-stdin-eof");
        for (String feature : featureArgs()) {
            cmd.add("--feature");
            cmd.add(feature);
        }
        cmd.add(config.toString());
        cmd.add(readyFile.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(Redirect.appendTo(log.toFile()));
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new StackException("Cannot start the Kafka broker process: " + e.getMessage(), e);
        }
        processStdin = process.getOutputStream();
        StackSupport.writePidFile(pidFile, process.pid());
        installShutdownHook();

        long deadline = System.nanoTime() + options.startTimeout().toNanos();
        while (!Files.exists(readyFile)) {
            if (!process.isAlive()) {
                int rc = process.exitValue();
                stopProcess(true);
                throw new StackException("Kafka broker process exited with code " + rc + " while starting"
                        + failureReason(log) + System.lineSeparator() + "Last lines of " + log + ":"
                        + System.lineSeparator() + StackSupport.tail(log, 30));
            }
            if (System.nanoTime() > deadline) {
                stopProcess(false);
                throw new StackException("Kafka broker process did not start within " + options.startTimeout().toSeconds()
                        + " s; see " + log + System.lineSeparator() + StackSupport.tail(log, 30));
            }
            StackSupport.sleep(50);
        }
    }

    /** {@code name=level} for each of {@link StackOptions#kafkaFeatures()}. */
    private List<String> featureArgs() {
        return options.kafkaFeatures().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    }

    /** The child runs in the broker directory, so relative class path entries must be made absolute. */
    static String absoluteClasspath(String classpath) {
        return Arrays.stream(classpath.split(File.pathSeparator))
                .filter(entry -> !entry.isBlank())
                .map(entry -> Path.of(entry).toAbsolutePath().toString())
                .collect(Collectors.joining(File.pathSeparator));
    }

    private static String failureReason(Path log) {
        String tail = StackSupport.tail(log, 200);
        for (String line : tail.split("\\R")) {
            int i = line.indexOf(KafkaProcess.FAILED_MARKER);
            if (i >= 0) {
                return ": " + line.substring(i + KafkaProcess.FAILED_MARKER.length());
            }
        }
        return "";
    }

    private void installShutdownHook() {
        if (shutdownHook == null) {
            shutdownHook = new Thread(() -> {
                Process p = process;
                if (p != null) {
                    StackSupport.terminate(p, Duration.ofSeconds(10));
                }
            }, "embedded-kafka-shutdown");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }
    }

    private void removeShutdownHook() {
        if (shutdownHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down already; the hook is running or has run
            }
            shutdownHook = null;
        }
    }

    private void stopProcess(boolean hard) {
        Process p = process;
        if (p == null) {
            return;
        }
        if (hard) {
            StackSupport.kill(p);
        } else {
            StackSupport.terminate(p, STOP_GRACE);
        }
        try {
            processStdin.close();
        } catch (IOException e) {
            // the process is gone
        }
        process = null;
        processStdin = null;
        try {
            Files.deleteIfExists(dir.resolve("broker.pid"));
            Files.deleteIfExists(dir.resolve("broker.ready"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Shuts the broker down cleanly (controlled shutdown). Its ports and data stay for a later {@link #start()}. */
    public synchronized void stop() {
        long t0 = System.nanoTime();
        boolean wasRunning = isRunning();
        if (inProcess != null) {
            KafkaBroker b = inProcess;
            inProcess = null;
            b.shutdown();
        }
        stopProcess(false);
        if (wasRunning) {
            LOG.info("Kafka broker stopped in {} ms", (System.nanoTime() - t0) / 1_000_000);
        }
    }

    /**
     * Kills the broker process with SIGKILL, without a clean shutdown, as a crash would. Only in
     * {@link KafkaMode#PROCESS}. {@link #start()} recovers the logs and serves the same data again.
     */
    public synchronized void kill() {
        if (options.kafkaMode() != KafkaMode.PROCESS) {
            throw new UnsupportedOperationException("kill() needs KafkaMode.PROCESS; use stop() in process");
        }
        if (process != null) {
            LOG.info("Killing Kafka broker process {}", process.pid());
        }
        stopProcess(true);
    }

    /** {@link #stop()} then {@link #start()}, keeping ports and data. */
    public synchronized EmbeddedKafka restart() {
        stop();
        return start();
    }

    public synchronized boolean isRunning() {
        return inProcess != null || (process != null && process.isAlive());
    }

    /** {@code host:port} of the PLAINTEXT client listener. Known once the broker has been started. */
    public String bootstrapServers() {
        return bootstrapServers(CLIENT_LISTENER);
    }

    /** {@code host:port} of the named listener (for additional listeners given in {@link StackOptions}). */
    public synchronized String bootstrapServers(String listenerName) {
        return StackSupport.HOST + ":" + port(listenerName);
    }

    /** Port of the PLAINTEXT client listener. */
    public int port() {
        return port(CLIENT_LISTENER);
    }

    public synchronized int port(String listenerName) {
        Integer port = ports.get(listenerName.toUpperCase(java.util.Locale.ROOT));
        if (port == null) {
            throw new IllegalArgumentException("No listener " + listenerName + "; listeners: " + ports.keySet());
        }
        if (port == 0) {
            throw new IllegalStateException("The broker has not been started yet");
        }
        return port;
    }

    public int controllerPort() {
        return port(CONTROLLER_LISTENER);
    }

    /** Listener names and their ports (0 before the first start). */
    public synchronized Map<String, Integer> listenerPorts() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(ports));
    }

    /** The broker configuration of the last start, as written to {@code server.properties}. */
    public synchronized Map<String, String> brokerConfig() {
        Map<String, String> config = new TreeMap<>();
        Path file = dir.resolve("server.properties");
        if (Files.exists(file)) {
            KafkaBroker.load(file).forEach((k, v) -> config.put(k.toString(), v.toString()));
        }
        return config;
    }

    public KafkaMode mode() {
        return options.kafkaMode();
    }

    /** The broker's own directory. */
    public Path dir() {
        return dir;
    }

    /** The Kafka log directory ({@code log.dirs}). */
    public Path dataDir() {
        return dataDir;
    }

    /** Output of the broker process (process mode). */
    public Path logFile() {
        return dir.resolve("broker.log");
    }

    /** Process id of the broker process, empty in process mode when stopped, and in in-process mode. */
    public synchronized OptionalLong pid() {
        return process != null && process.isAlive() ? OptionalLong.of(process.pid()) : OptionalLong.empty();
    }

    /** Stops the broker; deletes its directory if this instance created it as a temporary one. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        try {
            stop();
        } finally {
            closed = true;
            removeShutdownHook();
            if (deleteDirOnClose) {
                StackSupport.deleteRecursively(dir);
            }
        }
    }

    @Override
    public String toString() {
        return "EmbeddedKafka{" + options.kafkaMode() + ", " + ports + ", " + dir + '}';
    }
}
