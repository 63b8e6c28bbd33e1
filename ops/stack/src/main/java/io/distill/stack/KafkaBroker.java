package io.distill.stack;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A combined KRaft broker and controller in the current JVM, configured by a {@code server.properties} file. */
final class KafkaBroker {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaBroker.class);

    private final Path configFile;
    private KafkaRaftServer server;

    private KafkaBroker(Path configFile) {
        this.configFile = configFile;
    }

    /** Formats the storage when it has not been formatted yet, then starts the broker and waits until it is up. */
    static KafkaBroker start(Path configFile, List<String> features) {
        KafkaBroker broker = new KafkaBroker(configFile);
        broker.startup(features);
        return broker;
    }

    static Properties load(Path configFile) {
        Properties props = new Properties();
        try (InputStream in = Files.newInputStream(configFile)) {
            props.load(in);
        } catch (IOException e) {
            throw new StackException("Cannot read " + configFile + ": " + e.getMessage(), e);
        }
        return props;
    }

    /**
     * {@code kafka-storage format --ignore-formatted [--feature name=level ...]}: a no-op for a directory that already
     * holds a cluster.
     */
    static void formatStorage(Path configFile, List<String> features) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc;
        try (PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            String clusterId = existingClusterId(configFile).orElseGet(() -> Uuid.randomUuid().toString());
            List<String> args = new ArrayList<>(List.of(
                    "format", "--cluster-id", clusterId, "--config", configFile.toString(), "--ignore-formatted"));
            for (String feature : features) {
                args.add("--feature");
                args.add(feature);
            }
            rc = StorageTool.execute(args.toArray(String[]::new), ps);
        } catch (RuntimeException e) {
            throw new StackException("Formatting Kafka storage failed (" + configFile + "): " + e.getMessage()
                    + System.lineSeparator() + out.toString(StandardCharsets.UTF_8), e);
        }
        String output = out.toString(StandardCharsets.UTF_8).trim();
        if (rc != 0) {
            throw new StackException("Formatting Kafka storage failed with exit code " + rc + " (" + configFile + "): "
                    + output);
        }
        LOG.debug("kafka-storage format: {}", output);
    }

    /** The cluster id of an already formatted log directory: format must be given the same one. */
    static Optional<String> existingClusterId(Path configFile) {
        Object logDirs = load(configFile).get("log.dirs");
        if (logDirs == null) {
            return Optional.empty();
        }
        for (String logDir : logDirs.toString().split(",")) {
            Path meta = Path.of(logDir.trim(), "meta.properties");
            if (Files.isRegularFile(meta)) {
                Object id = load(meta).get("cluster.id");
                if (id != null) {
                    return Optional.of(id.toString());
                }
            }
        }
        return Optional.empty();
    }

    private void startup(List<String> features) {
        formatStorage(configFile, features);
        Map<Object, Object> props = new HashMap<>(load(configFile));
        KafkaRaftServer s;
        try {
            s = new KafkaRaftServer(new KafkaConfig(props), Time.SYSTEM);
        } catch (RuntimeException e) {
            throw new StackException("Invalid Kafka broker configuration (" + configFile + "): " + e.getMessage(), e);
        }
        try {
            s.startup();
        } catch (RuntimeException e) {
            try {
                s.shutdown();
                s.awaitShutdown();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new StackException("Kafka broker failed to start: " + e.getMessage(), e);
        }
        this.server = s;
    }

    synchronized void shutdown() {
        if (server != null) {
            KafkaRaftServer s = server;
            server = null;
            s.shutdown();
            s.awaitShutdown();
        }
    }

    synchronized boolean isRunning() {
        return server != null;
    }
}
