package io.distill.core.topics;

import io.distill.core.config.DistillConfig;
import io.distill.core.registry.RegistryClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every topic of the design in one place: names (a prefix, default {@code distill.}, in front of each
 * suffix), partition counts, replication factor, cleanup policy and retention.
 *
 * <ul>
 *   <li>Data topics (requests, soft-labels, responses, ground-truth, examples, holdout,
 *       dead-letters) share one partition count (default 6); the topology's joins need the
 *       co-partitioned ones to have equal counts, so {@link #ensure(Admin)} refuses to go on when an
 *       existing one differs. They are deleted by age ({@code retention.ms}).
 *   <li>checkpoints and checkpoint-control: one partition, compacted.
 *   <li>checkpoint-blobs: one partition, compacted, {@code max.message.bytes} large enough for
 *       chunks of {@link #blobChunkBytes()} (1 MiB by default).
 *   <li>Per-site training topics, one pair per id in {@code topics.sites} (none by default):
 *       {@code <prefix>examples.site-<id>} and {@code <prefix>holdout.site-<id>}, defined like
 *       examples and holdout. With sites configured the topology writes each example only to its
 *       site's topics, and each site's trainer reads only those (federated distillation; who may read
 *       them is {@link SiteAccessPolicy}).
 * </ul>
 *
 * Configuration keys (see {@link #fromConfig(DistillConfig)}): {@code topics.prefix}, {@code
 * topics.partitions}, {@code topics.replication.factor}, {@code topics.min.insync.replicas}, {@code
 * topics.retention.ms}, {@code topics.deadletters.retention.ms}, {@code topics.blobs.chunk.bytes},
 * {@code topics.blobs.max.message.bytes}, {@code topics.sites}.
 */
public final class TopicCatalogue {
  private static final Logger log = LoggerFactory.getLogger(TopicCatalogue.class);

  public static final String DEFAULT_PREFIX = "distill.";
  public static final int DEFAULT_PARTITIONS = 6;
  public static final Duration DEFAULT_RETENTION = Duration.ofDays(7);
  public static final Duration DEFAULT_DEAD_LETTER_RETENTION = Duration.ofDays(14);
  public static final int DEFAULT_BLOB_CHUNK_BYTES = 1 << 20;
  public static final int DEFAULT_BLOB_MAX_MESSAGE_BYTES = 2 << 20;
  /** What a site id may look like: it becomes part of topic names, group ids and model names. */
  public static final String SITE_ID_PATTERN = "[a-zA-Z0-9][a-zA-Z0-9_-]*";

  private final String prefix;
  private final int partitions;
  private final short replicationFactor;
  private final Integer minInsyncReplicas;
  private final Duration retention;
  private final Duration deadLetterRetention;
  private final int blobChunkBytes;
  private final int blobMaxMessageBytes;
  private final Map<DistillTopic, TopicDefinition> definitions = new EnumMap<>(DistillTopic.class);
  private final List<String> sites;
  private final Map<String, TopicDefinition> siteDefinitions = new LinkedHashMap<>();

  private TopicCatalogue(Builder b) {
    if (b.prefix == null || !b.prefix.matches("[a-zA-Z0-9._-]*")) {
      throw new IllegalArgumentException("topics.prefix: only letters, digits, '.', '_' and '-' are allowed in topic names, got '"
          + b.prefix + "'");
    }
    if (b.partitions < 1) {
      throw new IllegalArgumentException("topics.partitions: must be at least 1, got " + b.partitions);
    }
    if (b.replicationFactor < 1) {
      throw new IllegalArgumentException("topics.replication.factor: must be at least 1, got " + b.replicationFactor);
    }
    if (b.minInsyncReplicas != null && (b.minInsyncReplicas < 1 || b.minInsyncReplicas > b.replicationFactor)) {
      throw new IllegalArgumentException("topics.min.insync.replicas: must be between 1 and the replication factor "
          + b.replicationFactor + ", got " + b.minInsyncReplicas);
    }
    if (b.blobChunkBytes < 1024 || b.blobMaxMessageBytes < b.blobChunkBytes + 16 * 1024) {
      throw new IllegalArgumentException("topics.blobs.max.message.bytes (" + b.blobMaxMessageBytes
          + ") must exceed topics.blobs.chunk.bytes (" + b.blobChunkBytes + ", at least 1024) by 16 KiB for record overhead");
    }
    this.prefix = b.prefix;
    this.partitions = b.partitions;
    this.replicationFactor = b.replicationFactor;
    this.minInsyncReplicas = b.minInsyncReplicas;
    this.retention = b.retention;
    this.deadLetterRetention = b.deadLetterRetention;
    this.blobChunkBytes = b.blobChunkBytes;
    this.blobMaxMessageBytes = b.blobMaxMessageBytes;
    Map<String, DistillTopic> taken = new java.util.HashMap<>();
    for (String site : b.sites) {
      if (!site.matches(SITE_ID_PATTERN)) {
        throw new IllegalArgumentException("topics.sites: a site id is letters, digits, '_' and '-' (starting with a letter"
            + " or digit), got '" + site + "'");
      }
    }
    if (new HashSet<>(b.sites).size() != b.sites.size()) {
      throw new IllegalArgumentException("topics.sites: site ids must be unique, got " + b.sites);
    }
    this.sites = List.copyOf(b.sites);
    for (DistillTopic t : DistillTopic.values()) {
      String name = b.names.getOrDefault(t, prefix + t.suffix());
      if (!name.matches("[a-zA-Z0-9._-]+")) {
        throw new IllegalArgumentException("topics.name." + t.suffix() + ": only letters, digits, '.', '_' and '-' are allowed in topic names, got '"
            + name + "'");
      }
      DistillTopic other = taken.putIfAbsent(name, t);
      if (other != null) {
        throw new IllegalArgumentException("topics.name." + t.suffix() + ": '" + name + "' is already the name of the "
            + other.suffix() + " topic");
      }
      definitions.put(t, define(t, name));
    }
    for (String site : sites) {
      for (DistillTopic t : SITE_TOPICS) {
        TopicDefinition base = definitions.get(t);
        String name = siteTopicName(t, site);
        siteDefinitions.put(name, new TopicDefinition(t, name, base.partitions(), base.replicationFactor(), base.configs()));
      }
    }
  }

  /** The topics that exist once per site. */
  private static final List<DistillTopic> SITE_TOPICS = List.of(DistillTopic.EXAMPLES, DistillTopic.HOLDOUT);

  private TopicDefinition define(DistillTopic t, String name) {
    Map<String, String> configs = new LinkedHashMap<>();
    if (t.compacted()) {
      configs.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
    } else {
      configs.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE);
      Duration r = t == DistillTopic.DEAD_LETTERS ? deadLetterRetention : retention;
      configs.put(TopicConfig.RETENTION_MS_CONFIG, Long.toString(r.toMillis()));
    }
    if (t == DistillTopic.CHECKPOINT_BLOBS) {
      configs.put(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(blobMaxMessageBytes));
    }
    if (minInsyncReplicas != null) {
      configs.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(minInsyncReplicas));
    }
    int p = t.role() == DistillTopic.Role.DATA ? partitions : 1;
    return new TopicDefinition(t, name, p, replicationFactor, configs);
  }

  /** The catalogue with every default (prefix {@code distill.}, 6 partitions, replication 1). */
  public static TopicCatalogue defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Reads the {@code topics.*} keys listed in the class comment; unset keys keep their defaults. */
  public static TopicCatalogue fromConfig(DistillConfig config) {
    Builder b = builder()
        .prefix(config.getString("topics.prefix", DEFAULT_PREFIX))
        .partitions(config.getInt("topics.partitions", DEFAULT_PARTITIONS, 1, 10_000))
        .replicationFactor((short) config.getInt("topics.replication.factor", 1, 1, Short.MAX_VALUE))
        .retention(config.getDuration("topics.retention.ms", DEFAULT_RETENTION))
        .deadLetterRetention(config.getDuration("topics.deadletters.retention.ms", DEFAULT_DEAD_LETTER_RETENTION))
        .blobChunkBytes((int) config.getBytes("topics.blobs.chunk.bytes", DEFAULT_BLOB_CHUNK_BYTES))
        .blobMaxMessageBytes((int) config.getBytes("topics.blobs.max.message.bytes", DEFAULT_BLOB_MAX_MESSAGE_BYTES))
        .sites(config.getList("topics.sites"));
    Map<String, String> overrides = config.subset("topics.name.");
    for (Map.Entry<String, String> e : overrides.entrySet()) {
      DistillTopic topic = java.util.Arrays.stream(DistillTopic.values()).filter(t -> t.suffix().equals(e.getKey())).findFirst()
          .orElseThrow(() -> new io.distill.core.config.ConfigException("topics.name." + e.getKey(), "no topic has the suffix '"
              + e.getKey() + "'; known: " + java.util.Arrays.stream(DistillTopic.values()).map(DistillTopic::suffix).toList(), null));
      b.name(topic, e.getValue().trim());
    }
    if (config.find("topics.min.insync.replicas").isPresent()) {
      b.minInsyncReplicas(config.getInt("topics.min.insync.replicas", 1, 1, Short.MAX_VALUE));
    }
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      String msg = e.getMessage();
      String key = msg.startsWith("topics.") && msg.contains(" ") ? msg.substring(0, msg.indexOf(' ')).replace(":", "") : "topics";
      throw new io.distill.core.config.ConfigException(key, msg, e);
    }
  }

  public String prefix() {
    return prefix;
  }

  /** Partition count shared by the data topics. */
  public int partitions() {
    return partitions;
  }

  public short replicationFactor() {
    return replicationFactor;
  }

  /** Size of checkpoint blob chunks the trainer should write. */
  public int blobChunkBytes() {
    return blobChunkBytes;
  }

  /** {@code max.message.bytes} of the blob topic; producers and consumers of chunks must allow it. */
  public int blobMaxMessageBytes() {
    return blobMaxMessageBytes;
  }

  /** Producer settings that let a blob chunk through ({@code max.request.size}). */
  public Map<String, Object> blobProducerOverrides() {
    return Map.of(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, blobMaxMessageBytes);
  }

  /** Consumer settings that fetch whole blob chunks. */
  public Map<String, Object> blobConsumerOverrides() {
    return Map.of(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, blobMaxMessageBytes,
        ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Math.max(blobMaxMessageBytes, ConsumerConfig.DEFAULT_FETCH_MAX_BYTES));
  }

  public String name(DistillTopic topic) {
    return definitions.get(topic).name();
  }

  public TopicDefinition definition(DistillTopic topic) {
    return definitions.get(topic);
  }

  /** Every topic of the catalogue: the topics of the design, then the per-site topics. */
  public Collection<TopicDefinition> definitions() {
    List<TopicDefinition> all = new ArrayList<>(definitions.values());
    all.addAll(siteDefinitions.values());
    return List.copyOf(all);
  }

  /** The site ids of {@code topics.sites}, in configuration order; empty when examples are not split by site. */
  public List<String> sites() {
    return sites;
  }

  /** The per-site topics ({@code examples.site-<id>}, {@code holdout.site-<id>} for every site). */
  public Collection<TopicDefinition> siteDefinitions() {
    return List.copyOf(siteDefinitions.values());
  }

  /**
   * The name of one site's copy of {@code topic} (examples or holdout): {@code <prefix>examples.site-<id>}.
   *
   * @throws IllegalArgumentException when the site is not in {@code topics.sites} or the topic has no per-site copy
   */
  public String siteTopic(DistillTopic topic, String site) {
    if (!SITE_TOPICS.contains(topic)) {
      throw new IllegalArgumentException(topic + " has no per-site topics; only " + SITE_TOPICS + " do");
    }
    if (!sites.contains(site)) {
      throw new IllegalArgumentException("site '" + site + "' is not one of topics.sites " + sites);
    }
    return siteTopicName(topic, site);
  }

  private String siteTopicName(DistillTopic topic, String site) {
    return definitions.get(topic).name() + ".site-" + site;
  }

  /** {@code <prefix>examples.site-<id>}. */
  public String siteExamples(String site) {
    return siteTopic(DistillTopic.EXAMPLES, site);
  }

  /** {@code <prefix>holdout.site-<id>}. */
  public String siteHoldout(String site) {
    return siteTopic(DistillTopic.HOLDOUT, site);
  }

  public String requests() {
    return name(DistillTopic.REQUESTS);
  }

  public String softLabels() {
    return name(DistillTopic.SOFT_LABELS);
  }

  public String responses() {
    return name(DistillTopic.RESPONSES);
  }

  public String groundTruth() {
    return name(DistillTopic.GROUND_TRUTH);
  }

  public String examples() {
    return name(DistillTopic.EXAMPLES);
  }

  public String holdout() {
    return name(DistillTopic.HOLDOUT);
  }

  public String checkpoints() {
    return name(DistillTopic.CHECKPOINTS);
  }

  public String checkpointBlobs() {
    return name(DistillTopic.CHECKPOINT_BLOBS);
  }

  public String checkpointControl() {
    return name(DistillTopic.CHECKPOINT_CONTROL);
  }

  public String deadLetters() {
    return name(DistillTopic.DEAD_LETTERS);
  }

  /** The topics with their serdes (Avro values through {@code registry}, string keys). */
  public Topics topics(RegistryClient registry, boolean autoRegister) {
    return new Topics(this, registry, autoRegister);
  }

  /** What {@link #ensure(Admin)} did. */
  public record EnsureResult(List<String> created, List<String> existing) {}

  /** {@link #ensure(Admin, Duration)} with 30 s per admin call. */
  public EnsureResult ensure(Admin admin) {
    return ensure(admin, Duration.ofSeconds(30), DEFAULT_BROKER_PATIENCE);
  }

  /** How long {@link #ensure(Admin)} keeps trying while the broker does not answer in time (e.g. while it starts). */
  public static final Duration DEFAULT_BROKER_PATIENCE = Duration.ofMinutes(5);

  /**
   * {@link #ensure(Admin, Duration)}, tried again with backoff while the broker does not answer within {@code perCall}
   * (a broker that is starting, failing over or starved of CPU), until {@code patience} has passed. Refusals (a
   * mismatched topic, an authorization error) are not retried.
   */
  public EnsureResult ensure(Admin admin, Duration perCall, Duration patience) {
    long deadline = System.nanoTime() + patience.toNanos();
    long backoffMs = 1_000;
    while (true) {
      try {
        return ensure(admin, perCall);
      } catch (BrokerTimeoutException e) {
        if (System.nanoTime() + backoffMs * 1_000_000 > deadline) {
          throw e;
        }
        log.warn("the broker did not answer in time ({}); trying again in {} ms", e.getMessage(), backoffMs);
        try {
          Thread.sleep(backoffMs);
        } catch (InterruptedException ie) {
          throw new InterruptException(ie);
        }
        backoffMs = Math.min(backoffMs * 2, 15_000);
      }
    }
  }

  /** A catalogue call the broker did not answer within its timeout. */
  public static final class BrokerTimeoutException extends KafkaException {
    BrokerTimeoutException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Creates the catalogue's missing topics; idempotent (a topic created concurrently is fine).
   * Existing topics are checked first: a co-partitioned data topic with another partition count
   * fails with {@link TopicMismatchException} naming every offender, before anything is created or
   * altered. Other differences (partition counts of other topics, a compacted topic that is not
   * compacted) are logged as warnings.
   */
  public EnsureResult ensure(Admin admin, Duration timeout) {
    Set<String> names = await(admin.listTopics(new ListTopicsOptions().listInternal(false)).names(), timeout, "list topics");
    List<NewTopic> missing = new ArrayList<>();
    List<String> existing = new ArrayList<>();
    for (TopicDefinition d : definitions()) {
      if (names.contains(d.name())) {
        existing.add(d.name());
      } else {
        missing.add(d.newTopic());
      }
    }
    if (!existing.isEmpty()) {
      check(admin, existing, timeout);
    }
    List<String> created = new ArrayList<>();
    List<String> raced = new ArrayList<>();
    if (!missing.isEmpty()) {
      Map<String, KafkaFuture<Void>> results = admin.createTopics(missing).values();
      for (NewTopic t : missing) {
        try {
          results.get(t.name()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
          created.add(t.name());
          log.info("created topic {} ({} partition(s), replication {}, {})", t.name(), t.numPartitions(), t.replicationFactor(), t.configs());
        } catch (ExecutionException e) {
          if (e.getCause() instanceof TopicExistsException) {
            raced.add(t.name());
          } else if (e.getCause() instanceof TopicAuthorizationException
              || e.getCause() instanceof ClusterAuthorizationException) {
            // A service principal on a cluster with ACLs sees only the topics it may describe and may not create
            // any: the topics are an administrator's job (distill topics create). Its own clients will say
            // clearly if a topic it needs is really missing or not granted.
            log.warn("not authorized to create or describe topic {}; assuming an administrator created it", t.name());
          } else {
            throw new KafkaException("cannot create topic " + t.name() + ": " + e.getCause().getMessage(), e.getCause());
          }
        } catch (InterruptedException e) {
          throw new InterruptException(e);
        } catch (TimeoutException e) {
          throw new BrokerTimeoutException("timed out after " + timeout + " creating topic " + t.name(), e);
        }
      }
    }
    if (!created.isEmpty()) {
      awaitLeaders(admin, created, timeout);
    }
    if (!raced.isEmpty()) {
      // Created by someone else meanwhile: hold them to the same checks.
      check(admin, raced, timeout);
      existing.addAll(raced);
    }
    return new EnsureResult(List.copyOf(created), List.copyOf(existing));
  }

  /**
   * Waits until every partition of the new topics has a leader that serves it. A producer that writes to a partition
   * its leader does not host yet gets NOT_LEADER_OR_FOLLOWER; an idempotent producer whose first batches are refused
   * that way can end up retrying OUT_OF_ORDER_SEQUENCE_NUMBER on Kafka 4.4, so the catalogue only returns once the
   * topics can be written.
   *
   * <p>A leader in the topic description is not enough: a KRaft broker publishes a metadata change to its metadata
   * cache (which answers Metadata and DescribeTopics) before its replica manager applies it and creates the
   * partition's log, and in between the broker answers a produce to the partition with NOT_LEADER_OR_FOLLOWER (the
   * topic is known, the partition is not hosted). ListOffsets goes through the replica manager and needs the
   * partition online on its leader, so its success is the signal; the admin client retries it while the leader
   * answers NOT_LEADER_OR_FOLLOWER.
   */
  private static void awaitLeaders(Admin admin, List<String> topics, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Map<String, TopicDescription> described;
      try {
        described = admin.describeTopics(topics).allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException | TimeoutException e) {
        described = Map.of();
      } catch (InterruptedException e) {
        throw new InterruptException(e);
      }
      boolean ready = described.size() == topics.size() && described.values().stream()
          .allMatch(d -> d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
      if (ready && servedByLeaders(admin, described.values(), deadline)) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new KafkaException("topics " + topics + " have no leader for every partition after " + timeout);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        throw new InterruptException(e);
      }
    }
  }

  /** Whether the leader of every partition answers ListOffsets for it (see {@link #awaitLeaders}). */
  private static boolean servedByLeaders(Admin admin, Collection<TopicDescription> topics, long deadline) {
    Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
    for (TopicDescription d : topics) {
      d.partitions().forEach(p -> partitions.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest()));
    }
    long waitMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    try {
      admin.listOffsets(partitions).all().get(waitMs, TimeUnit.MILLISECONDS);
      return true;
    } catch (ExecutionException | TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      throw new InterruptException(e);
    }
  }

  private void check(Admin admin, List<String> existing, Duration timeout) {
    Map<String, TopicDescription> described = await(admin.describeTopics(existing).allTopicNames(), timeout, "describe topics");
    List<String> problems = new ArrayList<>();
    Set<String> compacted = new HashSet<>();
    for (TopicDefinition d : definitions()) {
      TopicDescription td = described.get(d.name());
      if (td == null) {
        continue;
      }
      int actual = td.partitions().size();
      if (actual != d.partitions()) {
        String msg = "topic " + d.name() + " has " + actual + " partition(s), the catalogue says " + d.partitions();
        if (d.topic().coPartitioned()) {
          problems.add(msg + " (the topology joins it by request id with the other data topics, which needs equal counts)");
        } else {
          log.warn("{}", msg);
        }
      }
      if (d.topic().compacted()) {
        compacted.add(d.name());
      }
    }
    if (!problems.isEmpty()) {
      throw new TopicMismatchException(problems);
    }
    if (!compacted.isEmpty()) {
      List<ConfigResource> resources = compacted.stream().map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
      Map<ConfigResource, Config> configs;
      try {
        configs = await(admin.describeConfigs(resources).all(), timeout, "describe topic configs");
      } catch (KafkaException e) {
        if (!(e.getCause() instanceof TopicAuthorizationException)) {
          throw e;
        }
        log.warn("not authorized to describe the configs of {}; their compaction is not checked", compacted);
        return;
      }
      configs.forEach((r, c) -> {
        var policy = c.get(TopicConfig.CLEANUP_POLICY_CONFIG);
        if (policy == null || !policy.value().contains(TopicConfig.CLEANUP_POLICY_COMPACT)) {
          log.warn("topic {} should be compacted but has cleanup.policy={}", r.name(), policy == null ? null : policy.value());
        }
      });
    }
  }

  private static <T> T await(KafkaFuture<T> f, Duration timeout, String what) {
    try {
      return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      throw new InterruptException(e);
    } catch (ExecutionException e) {
      throw new KafkaException("cannot " + what + ": " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new BrokerTimeoutException("timed out after " + timeout + " trying to " + what, e);
    }
  }

  @Override
  public String toString() {
    return "TopicCatalogue[prefix=" + prefix + ", partitions=" + partitions + ", replicationFactor=" + replicationFactor
        + (sites.isEmpty() ? "" : ", sites=" + sites) + "]";
  }

  /** Builder with the defaults of the class comment. */
  public static final class Builder {
    private String prefix = DEFAULT_PREFIX;
    private int partitions = DEFAULT_PARTITIONS;
    private short replicationFactor = 1;
    private Integer minInsyncReplicas;
    private Duration retention = DEFAULT_RETENTION;
    private Duration deadLetterRetention = DEFAULT_DEAD_LETTER_RETENTION;
    private int blobChunkBytes = DEFAULT_BLOB_CHUNK_BYTES;
    private int blobMaxMessageBytes = DEFAULT_BLOB_MAX_MESSAGE_BYTES;
    private final Map<DistillTopic, String> names = new EnumMap<>(DistillTopic.class);
    private List<String> sites = List.of();

    private Builder() {}

    /**
     * Gives one topic a full name of its own instead of prefix + suffix, e.g. a second ground-truth topic for a
     * pipeline that sees every label, or a separate examples topic for a second topology next to the first.
     */
    public Builder name(DistillTopic topic, String name) {
      names.put(topic, name);
      return this;
    }

    /** Site ids whose examples and hold-out get topics of their own (federated distillation). */
    public Builder sites(List<String> sites) {
      this.sites = List.copyOf(sites);
      return this;
    }

    public Builder prefix(String prefix) {
      this.prefix = prefix;
      return this;
    }

    public Builder partitions(int partitions) {
      this.partitions = partitions;
      return this;
    }

    public Builder replicationFactor(short replicationFactor) {
      this.replicationFactor = replicationFactor;
      return this;
    }

    public Builder minInsyncReplicas(Integer minInsyncReplicas) {
      this.minInsyncReplicas = minInsyncReplicas;
      return this;
    }

    public Builder retention(Duration retention) {
      this.retention = retention;
      return this;
    }

    public Builder deadLetterRetention(Duration retention) {
      this.deadLetterRetention = retention;
      return this;
    }

    public Builder blobChunkBytes(int bytes) {
      this.blobChunkBytes = bytes;
      return this;
    }

    public Builder blobMaxMessageBytes(int bytes) {
      this.blobMaxMessageBytes = bytes;
      return this;
    }

    public TopicCatalogue build() {
      return new TopicCatalogue(this);
    }
  }
}
