package io.distill.stack;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kafka broker and a real schema registry on this machine, started together:
 *
 * <pre>{@code
 * try (EmbeddedStack stack = EmbeddedStack.start(StackOptions.defaults())) {
 *     String topic = stack.createTopic(stack.uniqueTopic("examples"), 3);
 *     ... stack.bootstrapServers() ... stack.registryUrl() ...
 * }
 * }</pre>
 *
 * <p>Layout of the work directory: {@code kafka/} (see {@link EmbeddedKafka}) and {@code registry/} (see
 * {@link RegistryProcess}). {@link #close()} stops both and leaves no child process behind.
 */
public final class EmbeddedStack implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedStack.class);
    private static final AtomicLong TOPIC_COUNTER = new AtomicLong();

    private final StackOptions options;
    private final Path workDir;
    private final boolean deleteWorkDir;
    private final EmbeddedKafka kafka;
    private final RegistryProcess registry;
    private final Instant startedAt;
    private Duration startupTime;
    private Admin admin;
    private boolean closed;

    private EmbeddedStack(StackOptions options, Path workDir, boolean deleteWorkDir) {
        this.options = options;
        this.workDir = workDir;
        this.deleteWorkDir = deleteWorkDir;
        this.startedAt = Instant.now();
        this.kafka = new EmbeddedKafka(options, workDir.resolve("kafka"));
        // Locates the runner jar now: a missing jar fails before the broker starts.
        this.registry = options.registryEnabled() ? new RegistryProcess(options, workDir.resolve("registry")) : null;
    }

    /** Starts a stack with default options (temporary work directory, free ports). */
    public static EmbeddedStack start() {
        return start(StackOptions.defaults());
    }

    /** Starts the broker and the registry in parallel and returns once both serve requests. */
    public static EmbeddedStack start(StackOptions options) {
        long t0 = System.nanoTime();
        Path workDir;
        if (options.workDir().isPresent()) {
            workDir = StackSupport.requireUsableDir(options.workDir().get(), "Stack work directory");
        } else {
            workDir = EmbeddedKafka.newTempDir("distill-stack-");
        }
        EmbeddedStack stack;
        try {
            stack = new EmbeddedStack(options, workDir, options.deleteWorkDirOnClose());
        } catch (RuntimeException e) {
            if (options.deleteWorkDirOnClose()) {
                StackSupport.deleteRecursively(workDir);
            }
            throw e;
        }
        try {
            stack.startParts();
        } catch (RuntimeException e) {
            stack.close();
            throw e;
        }
        stack.startupTime = Duration.ofNanos(System.nanoTime() - t0);
        LOG.info("Stack started in {} ms: bootstrap.servers={} registry={} workDir={}",
                stack.startupTime.toMillis(), stack.bootstrapServers(),
                stack.registry != null ? stack.registry.url() : "(disabled)", workDir);
        return stack;
    }

    private void startParts() {
        CompletableFuture<Void> registryStart = registry == null
                ? CompletableFuture.completedFuture(null)
                : CompletableFuture.runAsync(registry::start, runnable -> {
                    Thread t = new Thread(runnable, "registry-start");
                    t.setDaemon(true);
                    t.start();
                });
        RuntimeException failure = null;
        try {
            kafka.start();
        } catch (RuntimeException e) {
            failure = e;
        }
        try {
            registryStart.get(options.startTimeout().toMillis() + 30_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = addFailure(failure, new StackException("Interrupted while starting the schema registry", e));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            failure = addFailure(failure, cause instanceof RuntimeException re ? re
                    : new StackException("Schema registry failed to start: " + cause, cause));
        } catch (TimeoutException e) {
            failure = addFailure(failure, new StackException("Schema registry did not start in time", e));
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static RuntimeException addFailure(RuntimeException first, RuntimeException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }

    /** {@code host:port} of the broker's PLAINTEXT listener. */
    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** The registry's Confluent-compatible base URL, {@code http://127.0.0.1:<port>/apis/ccompat/v7}. */
    public String registryUrl() {
        return registry().url();
    }

    public EmbeddedKafka kafka() {
        return kafka;
    }

    /** The schema registry; fails when the options disabled it. */
    public RegistryProcess registry() {
        if (registry == null) {
            throw new IllegalStateException("The schema registry is disabled in this stack's options");
        }
        return registry;
    }

    public boolean hasRegistry() {
        return registry != null;
    }

    public Path workDir() {
        return workDir;
    }

    public StackOptions options() {
        return options;
    }

    /** When {@link #start(StackOptions)} was called. */
    public Instant startedAt() {
        return startedAt;
    }

    /** How long {@link #start(StackOptions)} took until both parts served requests. */
    public Duration startupTime() {
        return startupTime;
    }

    /** A new admin client for this broker; the caller closes it. */
    public Admin adminClient() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
    }

    /** Client properties that reach the broker: {@code bootstrap.servers}. */
    public Map<String, Object> clientProperties() {
        Map<String, Object> props = new HashMap<>();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return props;
    }

    /** Producer properties: {@code bootstrap.servers}, acks=all, idempotence, no linger. */
    public Map<String, Object> producerProperties() {
        Map<String, Object> props = clientProperties();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        // With several batches in flight, a NOT_LEADER_OR_FOLLOWER answer to the first one can leave a Kafka 4.4
        // idempotent producer retrying OUT_OF_ORDER_SEQUENCE_NUMBER for ever; one in flight keeps order and retries cleanly.
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        return props;
    }

    /** Consumer properties: {@code bootstrap.servers}, the group, earliest offsets, read_committed. */
    public Map<String, Object> consumerProperties(String groupId) {
        Map<String, Object> props = clientProperties();
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return props;
    }

    /**
     * A topic (or group, or transactional id) name no other caller of this JVM gets: {@code prefix} plus a counter
     * and a random suffix, for tests that share one broker.
     */
    public String uniqueTopic(String prefix) {
        return uniqueName(prefix);
    }

    /** See {@link #uniqueTopic(String)}. */
    public static String uniqueName(String prefix) {
        String clean = prefix.replaceAll("[^a-zA-Z0-9._-]", "-");
        return String.format(Locale.ROOT, "%s-%d-%04x", clean, TOPIC_COUNTER.incrementAndGet(),
                ThreadLocalRandom.current().nextInt(0x10000));
    }

    /** Creates a topic with replication factor 1 and waits until it exists; returns its name. */
    public String createTopic(String name, int partitions) {
        return createTopic(name, partitions, Map.of());
    }

    /** Creates a topic with replication factor 1 and the given topic configs; returns its name. */
    public String createTopic(String name, int partitions, Map<String, String> configs) {
        createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs)));
        return name;
    }

    /**
     * Initialises a producer with {@code transactionalId} and closes it: the producer that held the id is refused from
     * its next transactional call on (its open transaction aborted, its epoch bumped), exactly as after the
     * coordinator's abort of a transaction that outlived {@code transaction.timeout.ms}. For drills and tests of a
     * service's reaction to a refused producer.
     */
    public void fenceTransactionalId(String transactionalId) {
        Map<String, Object> props = new HashMap<>(clientProperties());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        try (KafkaProducer<byte[], byte[]> fencer =
                     new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            fencer.initTransactions();
        }
    }

    /** Creates a topic named {@link #uniqueTopic(String) uniquely} after {@code prefix}; returns its name. */
    public String createUniqueTopic(String prefix, int partitions) {
        return createTopic(uniqueTopic(prefix), partitions);
    }

    /**
     * Creates topics and waits until the broker serves every partition of them; one that exists already is not an
     * error. "Serves" is more than the leader shown by Metadata: the broker updates its metadata cache before its
     * replica manager creates the partition, and a produce in between is answered NOT_LEADER_OR_FOLLOWER. A
     * ListOffsets answer comes from the replica manager, so it is the wait's signal.
     */
    public void createTopics(List<NewTopic> topics) {
        Map<String, KafkaFuture<Void>> results = sharedAdmin().createTopics(topics).values();
        for (Map.Entry<String, KafkaFuture<Void>> e : results.entrySet()) {
            try {
                e.getValue().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException ex) {
                if (!(ex.getCause() instanceof TopicExistsException)) {
                    throw new StackException("Creating topic " + e.getKey() + " failed: " + ex.getCause(), ex.getCause());
                }
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new StackException("Interrupted while creating topic " + e.getKey(), ex);
            } catch (TimeoutException ex) {
                throw new StackException("Creating topic " + e.getKey() + " timed out", ex);
            }
        }
        awaitServed(topics.stream().map(NewTopic::name).toList());
    }

    private void awaitServed(List<String> names) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        try {
            while (true) {
                try {
                    // Both calls can answer UNKNOWN_TOPIC_OR_PARTITION at once right after the creation: describe
                    // while the broker's metadata cache has not caught up with the controller, list offsets while the
                    // replica manager has not created the partition yet. The admin client retries
                    // NOT_LEADER_OR_FOLLOWER itself until the partition is online on its leader.
                    Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
                    sharedAdmin().describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS).values()
                            .forEach(d -> d.partitions().forEach(p -> partitions.put(
                                    new TopicPartition(d.name(), p.partition()), OffsetSpec.latest())));
                    sharedAdmin().listOffsets(partitions).all().get(30, TimeUnit.SECONDS);
                    return;
                } catch (ExecutionException ex) {
                    if (!(ex.getCause() instanceof org.apache.kafka.common.errors.RetriableException)
                            || System.nanoTime() > deadline) {
                        throw ex;
                    }
                    Thread.sleep(50);
                }
            }
        } catch (ExecutionException ex) {
            throw new StackException("Topics " + names + " are not served: " + ex.getCause(), ex.getCause());
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new StackException("Interrupted while waiting for topics " + names, ex);
        } catch (TimeoutException ex) {
            throw new StackException("Topics " + names + " are not served after 30 s", ex);
        }
    }

    private synchronized Admin sharedAdmin() {
        if (closed) {
            throw new IllegalStateException("The stack is closed");
        }
        if (admin == null) {
            admin = adminClient();
        }
        return admin;
    }

    /** Stops the registry and the broker (in parallel), then deletes a temporary work directory. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (admin != null) {
                admin.close(Duration.ofSeconds(5));
                admin = null;
            }
        }
        long t0 = System.nanoTime();
        CompletableFuture<Void> registryStop = registry == null
                ? CompletableFuture.completedFuture(null)
                : CompletableFuture.runAsync(registry::close, runnable -> {
                    Thread t = new Thread(runnable, "registry-stop");
                    t.setDaemon(true);
                    t.start();
                });
        try {
            kafka.close();
        } catch (RuntimeException e) {
            LOG.warn("Stopping the Kafka broker failed", e);
        }
        try {
            registryStop.get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("Stopping the schema registry failed", e);
        }
        if (deleteWorkDir) {
            StackSupport.deleteRecursively(workDir);
        }
        LOG.info("Stack closed in {} ms", (System.nanoTime() - t0) / 1_000_000);
    }

    @Override
    public String toString() {
        return "EmbeddedStack{bootstrap.servers=" + (kafka.isRunning() ? bootstrapServers() : "-")
                + ", registry=" + (registry != null && registry.isRunning() ? registry.url() : "-")
                + ", workDir=" + workDir + '}';
    }
}
