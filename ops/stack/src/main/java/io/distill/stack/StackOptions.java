package io.distill.stack;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How to run the embedded stack. Immutable; build with {@link #builder()}.
 *
 * <pre>{@code
 * StackOptions options = StackOptions.builder()
 *         .kafkaMode(KafkaMode.PROCESS)
 *         .listener(Listener.of("SASL_SSL", 0))
 *         .brokerProperty("listener.name.sasl_ssl.sasl.enabled.mechanisms", "SCRAM-SHA-512")
 *         .build();
 * }</pre>
 */
public final class StackOptions {

    private final Path workDir;
    private final Boolean deleteWorkDirOnClose;
    private final KafkaMode kafkaMode;
    private final int kafkaPort;
    private final int controllerPort;
    private final List<Listener> listeners;
    private final Map<String, String> brokerProperties;
    private final String kafkaHeap;
    private final List<String> kafkaJvmArgs;
    private final Map<String, Short> kafkaFeatures;
    private final String kafkaClasspath;
    private final boolean registryEnabled;
    private final int registryPort;
    private final Path registryJar;
    private final String registryHeap;
    private final boolean registryClassDataSharing;
    private final Map<String, String> registryEnv;
    private final Duration startTimeout;

    private StackOptions(Builder b) {
        this.workDir = b.workDir;
        this.deleteWorkDirOnClose = b.deleteWorkDirOnClose;
        this.kafkaMode = b.kafkaMode;
        this.kafkaPort = b.kafkaPort;
        this.controllerPort = b.controllerPort;
        this.listeners = List.copyOf(b.listeners);
        this.brokerProperties = Collections.unmodifiableMap(new LinkedHashMap<>(b.brokerProperties));
        this.kafkaHeap = b.kafkaHeap;
        this.kafkaJvmArgs = List.copyOf(b.kafkaJvmArgs);
        this.kafkaFeatures = Collections.unmodifiableMap(new LinkedHashMap<>(b.kafkaFeatures));
        this.kafkaClasspath = b.kafkaClasspath;
        this.registryEnabled = b.registryEnabled;
        this.registryPort = b.registryPort;
        this.registryJar = b.registryJar;
        this.registryHeap = b.registryHeap;
        this.registryClassDataSharing = b.registryClassDataSharing;
        this.registryEnv = Collections.unmodifiableMap(new LinkedHashMap<>(b.registryEnv));
        this.startTimeout = b.startTimeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Everything at its default: a temporary work directory, free ports, in-process broker, registry on. */
    public static StackOptions defaults() {
        return builder().build();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.workDir = workDir;
        b.deleteWorkDirOnClose = deleteWorkDirOnClose;
        b.kafkaMode = kafkaMode;
        b.kafkaPort = kafkaPort;
        b.controllerPort = controllerPort;
        b.listeners.addAll(listeners);
        b.brokerProperties.putAll(brokerProperties);
        b.kafkaHeap = kafkaHeap;
        b.kafkaJvmArgs.addAll(kafkaJvmArgs);
        b.kafkaFeatures.putAll(kafkaFeatures);
        b.kafkaClasspath = kafkaClasspath;
        b.registryEnabled = registryEnabled;
        b.registryPort = registryPort;
        b.registryJar = registryJar;
        b.registryHeap = registryHeap;
        b.registryClassDataSharing = registryClassDataSharing;
        b.registryEnv.putAll(registryEnv);
        b.startTimeout = startTimeout;
        return b;
    }

    /** The work directory, or empty for a fresh temporary one. */
    public Optional<Path> workDir() {
        return Optional.ofNullable(workDir);
    }

    /** Whether {@code close()} deletes the work directory; defaults to true only for a temporary one. */
    public boolean deleteWorkDirOnClose() {
        return deleteWorkDirOnClose != null ? deleteWorkDirOnClose : workDir == null;
    }

    public KafkaMode kafkaMode() {
        return kafkaMode;
    }

    /** Port of the PLAINTEXT client listener; 0 picks a free one. */
    public int kafkaPort() {
        return kafkaPort;
    }

    /** Port of the KRaft controller listener; 0 picks a free one. */
    public int controllerPort() {
        return controllerPort;
    }

    /** Additional client listeners. */
    public List<Listener> listeners() {
        return listeners;
    }

    /** Broker properties that are added to, or override, the stack's own. */
    public Map<String, String> brokerProperties() {
        return brokerProperties;
    }

    /** Maximum heap of a broker that runs as a separate process, in {@code -Xmx} syntax. */
    public String kafkaHeap() {
        return kafkaHeap;
    }

    /**
     * Further JVM arguments of a broker that runs as a separate process, after the stack's own
     * ({@code -XX:+UseSerialGC -XX:TieredStopAtLevel=1}); a later flag overrides an earlier one.
     */
    public List<String> kafkaJvmArgs() {
        return kafkaJvmArgs;
    }

    /**
     * Feature levels the broker's storage is formatted with ({@code kafka-storage format --feature name=level}), for
     * instance {@code transaction.version=1}; empty means the release's defaults. They only take effect when the
     * storage is formatted, i.e. on the first start of a work directory.
     */
    public Map<String, Short> kafkaFeatures() {
        return kafkaFeatures;
    }

    /** Class path of a broker process; empty means the current JVM's. */
    public Optional<String> kafkaClasspath() {
        return Optional.ofNullable(kafkaClasspath);
    }

    public boolean registryEnabled() {
        return registryEnabled;
    }

    /** HTTP port of the schema registry; 0 picks a free one. */
    public int registryPort() {
        return registryPort;
    }

    /** The registry runner jar; empty means {@link RegistryProcess#locateRunnerJar()}. */
    public Optional<Path> registryJar() {
        return Optional.ofNullable(registryJar);
    }

    /** Maximum heap of the registry process, in {@code -Xmx} syntax. */
    public String registryHeap() {
        return registryHeap;
    }

    /**
     * Whether the registry JVM uses a class data sharing archive. The registry then runs from a copy of the runner
     * jar kept in a cache (see {@code RegistryInstall}), and the first registry that stops cleanly writes the
     * archive next to it. Starts are about twice as fast, several times on a busy machine.
     */
    public boolean registryClassDataSharing() {
        return registryClassDataSharing;
    }

    /** Further environment variables of the registry process (Apicurio settings such as {@code REGISTRY_...}). */
    public Map<String, String> registryEnv() {
        return registryEnv;
    }

    /** How long each part may take to start. */
    public Duration startTimeout() {
        return startTimeout;
    }

    @Override
    public String toString() {
        return "StackOptions{workDir=" + workDir + ", kafkaMode=" + kafkaMode + ", kafkaPort=" + kafkaPort
                + ", controllerPort=" + controllerPort + ", listeners=" + listeners
                + ", brokerProperties=" + brokerProperties.keySet() + ", kafkaFeatures=" + kafkaFeatures
                + ", registryEnabled=" + registryEnabled
                + ", registryPort=" + registryPort + ", startTimeout=" + startTimeout + '}';
    }

    /** Builder of {@link StackOptions}. */
    public static final class Builder {
        private Path workDir;
        private Boolean deleteWorkDirOnClose;
        private KafkaMode kafkaMode = KafkaMode.IN_PROCESS;
        private int kafkaPort;
        private int controllerPort;
        private final List<Listener> listeners = new ArrayList<>();
        private final Map<String, String> brokerProperties = new LinkedHashMap<>();
        private String kafkaHeap = "512m";
        private final List<String> kafkaJvmArgs = new ArrayList<>();
        private final Map<String, Short> kafkaFeatures = new LinkedHashMap<>();
        private String kafkaClasspath;
        private boolean registryEnabled = true;
        private int registryPort;
        private Path registryJar;
        private String registryHeap = "256m";
        private boolean registryClassDataSharing = true;
        private final Map<String, String> registryEnv = new LinkedHashMap<>();
        private Duration startTimeout = Duration.ofSeconds(120);

        private Builder() {
        }

        /** Keep all data (Kafka logs, registry database, logs) under this directory. */
        public Builder workDir(Path dir) {
            this.workDir = dir;
            return this;
        }

        public Builder deleteWorkDirOnClose(boolean delete) {
            this.deleteWorkDirOnClose = delete;
            return this;
        }

        public Builder kafkaMode(KafkaMode mode) {
            this.kafkaMode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        public Builder kafkaPort(int port) {
            this.kafkaPort = checkPort(port);
            return this;
        }

        public Builder controllerPort(int port) {
            this.controllerPort = checkPort(port);
            return this;
        }

        public Builder listener(Listener listener) {
            Objects.requireNonNull(listener, "listener");
            if (listeners.stream().anyMatch(l -> l.name().equals(listener.name()))) {
                throw new IllegalArgumentException("Listener " + listener.name() + " given twice");
            }
            listeners.add(listener);
            return this;
        }

        public Builder brokerProperty(String key, String value) {
            brokerProperties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        public Builder brokerProperties(Map<String, String> properties) {
            properties.forEach(this::brokerProperty);
            return this;
        }

        public Builder kafkaHeap(String xmx) {
            this.kafkaHeap = Objects.requireNonNull(xmx, "xmx");
            return this;
        }

        public Builder kafkaJvmArg(String arg) {
            kafkaJvmArgs.add(Objects.requireNonNull(arg, "arg"));
            return this;
        }

        /** A feature level to format the broker's storage with; see {@link StackOptions#kafkaFeatures()}. */
        public Builder kafkaFeature(String name, int level) {
            Objects.requireNonNull(name, "name");
            if (name.isBlank() || name.contains("=") || level < 0 || level > Short.MAX_VALUE) {
                throw new IllegalArgumentException("Invalid Kafka feature " + name + "=" + level);
            }
            kafkaFeatures.put(name, (short) level);
            return this;
        }

        public Builder kafkaClasspath(String classpath) {
            this.kafkaClasspath = classpath;
            return this;
        }

        public Builder registryEnabled(boolean enabled) {
            this.registryEnabled = enabled;
            return this;
        }

        public Builder registryPort(int port) {
            this.registryPort = checkPort(port);
            return this;
        }

        public Builder registryJar(Path jar) {
            this.registryJar = jar;
            return this;
        }

        public Builder registryHeap(String xmx) {
            this.registryHeap = Objects.requireNonNull(xmx, "xmx");
            return this;
        }

        public Builder registryClassDataSharing(boolean enabled) {
            this.registryClassDataSharing = enabled;
            return this;
        }

        public Builder registryEnv(String name, String value) {
            registryEnv.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        public Builder startTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("startTimeout must be positive");
            }
            this.startTimeout = timeout;
            return this;
        }

        public StackOptions build() {
            return new StackOptions(this);
        }

        private static int checkPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("Port out of range: " + port);
            }
            return port;
        }
    }
}
