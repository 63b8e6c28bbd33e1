package io.distill.topology.config;

import io.distill.core.config.DistillConfig;
import io.distill.core.softtarget.EnsembleWeighting;
import io.distill.core.topics.TopicCatalogue;
import io.distill.schema.LabelSpace;
import io.distill.topology.policy.SiteRouter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * The validated settings of the topology, read from flat {@code key=value} pairs (a properties file,
 * environment or flags, merged by the caller). Unknown keys are ignored; {@code kafka.*} keys are
 * passed to Kafka Streams without the prefix.
 *
 * <p>Keys and defaults:
 *
 * <pre>
 * application.id          distill-topology
 * bootstrap.servers       127.0.0.1:9092
 * registry.url            http://127.0.0.1:8081/apis/ccompat/v7   (registry.* as in core's DistillConfig)
 * topics.*                                   core's topic catalogue: topics.prefix (distill.), topics.partitions, ...
 * teachers                (none)             expected teacher ids, comma separated
 * teacher.ID.weight       1.0                prior weight of one teacher
 * ensemble.mode           fixed              fixed | confidence
 * ensemble.timeout.ms     5000               wall-clock wait for missing teachers after the request
 * labels.window.ms        3600000            ground truth later than this after the request's event time is dropped
 * holdout.fraction        0.1
 * allowlist.metadata      (none)             metadata keys that may reach examples
 * filter.min.confidence   0                  minimum ensemble confidence, 0 = off
 * sampling.class.cap      0                  examples per class per sampling window, 0 = off
 * sampling.window.ms      60000
 * rate.limit.per.s        0                  examples per second per stream task, 0 = off
 * dedup.retention.ms      86400000           how long a request id is remembered
 * orphan.retention.ms     = labels.window.ms how long labels wait for a request that never comes
 * punctuate.interval.ms   1000               wall-clock scan period of the timeouts
 * deadletter.max.value.bytes 65536          raw bytes kept in a dead letter
 * topics.sites            (none)             federated: site ids; examples go to examples.site-ID / holdout.site-ID
 * sites.metadata.key      site               request metadata key naming the site
 * sites.default           (none)             site of requests without the key; none = dead-letter UNKNOWN_SITE
 * sites.unlabelled        filter             filter | emit: a request with neither a teacher answer nor ground truth
 *                                            is filtered NO_TEACHER, or (emit, with topics.sites) written to its
 *                                            site's examples topic without target or label, for codistilling trainers
 * sites.unlabelled.label.space (none)        ID:VERSION of the label space unlabelled examples are emitted under
 * metrics.host/port       0.0.0.0 / 9404     Prometheus endpoint (port 0 = any free port)
 * state.dir               .distill/streams under the working directory
 * num.stream.threads      1
 * </pre>
 */
public final class TopologyConfig {

    private final Map<String, String> values;
    private final List<String> teachers;
    private final Map<String, Double> teacherWeights;
    private final Set<String> metadataAllowList;
    private final TopicCatalogue catalogue;

    private TopologyConfig(Map<String, String> raw) {
        this.values = Collections.unmodifiableMap(new TreeMap<>(raw));
        this.teachers = List.copyOf(csv(raw.get("teachers")));
        Map<String, Double> weights = new LinkedHashMap<>();
        for (String teacher : teachers) {
            double w = parseDouble("teacher." + teacher + ".weight", "1.0");
            if (!(w >= 0) || !Double.isFinite(w)) {
                throw new IllegalArgumentException("teacher." + teacher + ".weight must be a finite number >= 0, not " + w);
            }
            weights.put(teacher, w);
        }
        this.teacherWeights = Collections.unmodifiableMap(weights);
        this.metadataAllowList = Collections.unmodifiableSet(new LinkedHashSet<>(csv(raw.get("allowlist.metadata"))));
        this.catalogue = TopicCatalogue.fromConfig(DistillConfig.of(raw));
        validate();
    }

    /** @return the configuration of these pairs, validated */
    public static TopologyConfig from(Map<String, String> pairs) {
        return new TopologyConfig(new LinkedHashMap<>(pairs));
    }

    /** @return the configuration of these properties, validated */
    public static TopologyConfig from(Properties properties) {
        Map<String, String> map = new LinkedHashMap<>();
        for (String name : properties.stringPropertyNames()) {
            map.put(name, properties.getProperty(name));
        }
        return from(map);
    }

    /** @return a copy with one setting changed */
    public TopologyConfig with(String key, String value) {
        Map<String, String> copy = new LinkedHashMap<>(values);
        copy.put(key, value);
        return from(copy);
    }

    private void validate() {
        double holdout = holdoutFraction();
        if (!(holdout >= 0 && holdout <= 1)) {
            throw new IllegalArgumentException("holdout.fraction must be in [0, 1], not " + holdout);
        }
        double minConfidence = minConfidence();
        if (!(minConfidence >= 0 && minConfidence <= 1)) {
            throw new IllegalArgumentException("filter.min.confidence must be in [0, 1], not " + minConfidence);
        }
        positive("ensemble.timeout.ms", ensembleTimeoutMs());
        positive("labels.window.ms", labelsWindowMs());
        positive("sampling.window.ms", samplingWindowMs());
        positive("dedup.retention.ms", dedupRetentionMs());
        positive("orphan.retention.ms", orphanRetentionMs());
        positive("punctuate.interval.ms", punctuateIntervalMs());
        if (classCap() < 0) {
            throw new IllegalArgumentException("sampling.class.cap must be >= 0");
        }
        if (rateLimitPerSecond() < 0) {
            throw new IllegalArgumentException("rate.limit.per.s must be >= 0");
        }
        ensembleWeighting();
        siteRouter();
        unlabelledLabelSpace();
        if (!teachers.isEmpty() && teacherWeights.values().stream().mapToDouble(Double::doubleValue).sum() <= 0) {
            throw new IllegalArgumentException("the teacher weights sum to 0");
        }
    }

    private static void positive(String key, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(key + " must be > 0, not " + value);
        }
    }

    // ------------------------------------------------------------------ settings

    public String applicationId() {
        return get("application.id", "distill-topology");
    }

    /** {@code bootstrap.servers}, or {@code kafka.bootstrap.servers} as the other services spell it. */
    public String bootstrapServers() {
        return get("bootstrap.servers", get("kafka.bootstrap.servers", "127.0.0.1:9092"));
    }

    public String registryUrl() {
        return get("registry.url", "http://127.0.0.1:8081/apis/ccompat/v7");
    }

    /** @return core's topic catalogue of the {@code topics.*} settings (prefix, partitions, retention) */
    public TopicCatalogue topics() {
        return catalogue;
    }

    public String requestsTopic() {
        return catalogue.requests();
    }

    public String softLabelsTopic() {
        return catalogue.softLabels();
    }

    public String groundTruthTopic() {
        return catalogue.groundTruth();
    }

    public String examplesTopic() {
        return catalogue.examples();
    }

    public String holdoutTopic() {
        return catalogue.holdout();
    }

    public String deadLettersTopic() {
        return catalogue.deadLetters();
    }

    /** Where examples go by site: off (shared topics) unless {@code topics.sites} names sites. */
    public SiteRouter siteRouter() {
        String defaultSite = get("sites.default", null);
        try {
            return new SiteRouter(catalogue.sites(), get("sites.metadata.key", "site"), defaultSite);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /**
     * The label space unlabelled examples are emitted under when {@code sites.unlabelled=emit}; empty when they are
     * filtered (the default). Emitting needs {@code topics.sites}: only a codistilling site trainer learns from them.
     */
    public Optional<LabelSpace> unlabelledLabelSpace() {
        String mode = get("sites.unlabelled", "filter").trim().toLowerCase(Locale.ROOT);
        if (mode.equals("filter")) {
            return Optional.empty();
        }
        if (!mode.equals("emit")) {
            throw new IllegalArgumentException("sites.unlabelled must be filter or emit, not '" + mode + "'");
        }
        if (catalogue.sites().isEmpty()) {
            throw new IllegalArgumentException("sites.unlabelled=emit needs topics.sites: only codistilling site"
                    + " trainers learn from unlabelled examples");
        }
        String space = get("sites.unlabelled.label.space", "").trim();
        int colon = space.lastIndexOf(':');
        try {
            if (colon <= 0) {
                throw new NumberFormatException();
            }
            return Optional.of(LabelSpace.newBuilder().setId(space.substring(0, colon))
                    .setVersion(Integer.parseInt(space.substring(colon + 1))).setClassNames(List.of()).build());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("sites.unlabelled=emit needs sites.unlabelled.label.space=ID:VERSION,"
                    + " not '" + space + "'");
        }
    }

    /** @return the expected teacher ids, in configuration order; empty = emit on timeout only */
    public List<String> teachers() {
        return teachers;
    }

    /** @return the prior weight of a teacher; 1 for a teacher that is not configured */
    public double teacherWeight(String teacherId) {
        return teacherWeights.getOrDefault(teacherId, parseDouble("teacher." + teacherId + ".weight", "1.0"));
    }

    public EnsembleWeighting ensembleWeighting() {
        String mode = get("ensemble.mode", "fixed").trim().toLowerCase(Locale.ROOT);
        switch (mode) {
            case "fixed":
                return EnsembleWeighting.FIXED;
            case "confidence":
                return EnsembleWeighting.CONFIDENCE;
            default:
                throw new IllegalArgumentException("ensemble.mode must be fixed or confidence, not " + mode);
        }
    }

    public long ensembleTimeoutMs() {
        return parseLong("ensemble.timeout.ms", "5000");
    }

    public long labelsWindowMs() {
        return parseLong("labels.window.ms", "3600000");
    }

    public double holdoutFraction() {
        return parseDouble("holdout.fraction", "0.1");
    }

    public Set<String> metadataAllowList() {
        return metadataAllowList;
    }

    public double minConfidence() {
        return parseDouble("filter.min.confidence", "0");
    }

    public int classCap() {
        return (int) parseLong("sampling.class.cap", "0");
    }

    public long samplingWindowMs() {
        return parseLong("sampling.window.ms", "60000");
    }

    public double rateLimitPerSecond() {
        return parseDouble("rate.limit.per.s", "0");
    }

    public long dedupRetentionMs() {
        return parseLong("dedup.retention.ms", "86400000");
    }

    public long orphanRetentionMs() {
        return parseLong("orphan.retention.ms", Long.toString(labelsWindowMs()));
    }

    public long punctuateIntervalMs() {
        return parseLong("punctuate.interval.ms", "1000");
    }

    public int deadLetterMaxBytes() {
        return (int) parseLong("deadletter.max.value.bytes", "65536");
    }

    public String metricsHost() {
        return get("metrics.host", "0.0.0.0");
    }

    public int metricsPort() {
        return (int) parseLong("metrics.port", "9404");
    }

    public int numStreamThreads() {
        return (int) parseLong("num.stream.threads", "1");
    }

    /** @return the raw value of a key, or the default */
    public String get(String key, String defaultValue) {
        String v = values.get(key);
        return v == null || v.isBlank() ? defaultValue : v.trim();
    }

    /** @return {@code kafka.*} settings without the prefix */
    public Map<String, String> kafkaOverrides() {
        Map<String, String> out = new TreeMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith("kafka.")) {
                out.put(k.substring("kafka.".length()), v);
            }
        });
        return out;
    }

    /** @return every setting, values of secret-looking keys replaced by {@code ****}, one per line */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        Map<String, String> effective = new TreeMap<>(values);
        effective.putIfAbsent("application.id", applicationId());
        effective.putIfAbsent("bootstrap.servers", bootstrapServers());
        effective.putIfAbsent("registry.url", registryUrl());
        effective.putIfAbsent("ensemble.mode", ensembleWeighting().name().toLowerCase(Locale.ROOT));
        effective.putIfAbsent("ensemble.timeout.ms", Long.toString(ensembleTimeoutMs()));
        effective.putIfAbsent("labels.window.ms", Long.toString(labelsWindowMs()));
        effective.putIfAbsent("holdout.fraction", Double.toString(holdoutFraction()));
        effective.putIfAbsent("topics.prefix", catalogue.prefix());
        // The same secrets as every other service's dump: passwords, tokens, JAAS, registry basic auth, user info in URLs.
        effective.forEach((k, v) -> sb.append(k).append('=').append(DistillConfig.maskedValue(k, v)).append('\n'));
        return sb.toString();
    }

    private long parseLong(String key, String defaultValue) {
        String v = get(key, defaultValue);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be an integer, not '" + v + "'", e);
        }
    }

    private double parseDouble(String key, String defaultValue) {
        String v = get(key, defaultValue);
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number, not '" + v + "'", e);
        }
    }

    private static List<String> csv(String value) {
        List<String> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        for (String part : value.split(",")) {
            String t = part.trim();
            if (!t.isEmpty() && !out.contains(t)) {
                out.add(t);
            }
        }
        return out;
    }

    /** @return the pairs this configuration was made of */
    public Map<String, String> asMap() {
        return values;
    }
}
