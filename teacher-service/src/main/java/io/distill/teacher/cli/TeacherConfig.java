package io.distill.teacher.cli;

import io.distill.core.config.DistillConfig;
import io.distill.core.topics.TopicCatalogue;
import io.distill.teacher.service.DeliveryGuarantee;
import io.distill.teacher.service.SoftLabelForm;
import io.distill.teacher.service.TeacherServiceSettings;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The teacher service's configuration keys, their defaults, and the mapping of a validated
 * {@link DistillConfig} onto {@link TeacherServiceSettings}.
 */
public final class TeacherConfig {

    public static final String MODEL = "teacher.model";
    public static final String DEVICE = "teacher.device";
    public static final String INSTANCE_ID = "teacher.instance.id";
    public static final String GUARANTEE = "teacher.guarantee";
    public static final String BATCH_MAX_SIZE = "teacher.batch.max.size";
    public static final String BATCH_MAX_WAIT = "teacher.batch.max.wait.ms";
    public static final String WORKERS = "teacher.workers";
    public static final String MAX_IN_FLIGHT = "teacher.max.in.flight";
    public static final String COMMIT_INTERVAL = "teacher.commit.interval.ms";
    public static final String OUTPUT_FORM = "teacher.output.form";
    public static final String TOP_K = "teacher.output.top.k";
    public static final String PUBLISH_PREDICTIONS = "teacher.predictions.enabled";
    public static final String SAMPLE_FRACTION = "teacher.sampling.fraction";
    public static final String SIMULATED_LATENCY = "teacher.simulated.latency.ms";
    public static final String SHUTDOWN_TIMEOUT = "teacher.shutdown.timeout.ms";
    public static final String METRICS_HOST = "metrics.host";
    public static final String METRICS_PORT = "metrics.port";
    public static final String BOOTSTRAP = "kafka.bootstrap.servers";
    public static final String REGISTRY_URL = "registry.url";

    private TeacherConfig() {}

    /** @return every key's default */
    public static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put(BOOTSTRAP, "127.0.0.1:9092");
        d.put(REGISTRY_URL, "http://127.0.0.1:8081/apis/ccompat/v7");
        d.put(DEVICE, "auto");
        d.put(INSTANCE_ID, "0");
        d.put(GUARANTEE, "exactly_once");
        d.put(BATCH_MAX_SIZE, "64");
        d.put(BATCH_MAX_WAIT, "5");
        d.put(WORKERS, "1");
        d.put(MAX_IN_FLIGHT, "2048");
        d.put(COMMIT_INTERVAL, "100");
        d.put(OUTPUT_FORM, "dense");
        d.put(TOP_K, "5");
        d.put(PUBLISH_PREDICTIONS, "false");
        d.put(SAMPLE_FRACTION, "1.0");
        d.put(SIMULATED_LATENCY, "0");
        d.put(SHUTDOWN_TIMEOUT, "30000");
        d.put(METRICS_HOST, "0.0.0.0");
        d.put(METRICS_PORT, "9402");
        return d;
    }

    /** @return the consumer group of a teacher: one group per teacher id */
    public static String groupId(TopicCatalogue topics, String teacherId) {
        return topics.prefix() + "teacher." + teacherId;
    }

    /** @return the stable transactional id of one instance of a teacher */
    public static String transactionalId(TopicCatalogue topics, String teacherId, String instanceId) {
        return topics.prefix() + "teacher." + teacherId + "." + instanceId;
    }

    /**
     * @param config the validated configuration
     * @param topics the topic catalogue
     * @param teacherId the loaded teacher's id
     * @return the serving loop's settings
     */
    public static TeacherServiceSettings settings(DistillConfig config, TopicCatalogue topics, String teacherId) {
        Map<String, String> kafka = new LinkedHashMap<>();
        config.kafkaProperties().forEach((k, v) -> kafka.put(k, String.valueOf(v)));
        String bootstrap = kafka.remove("bootstrap.servers");
        String guarantee = config.getString(GUARANTEE).trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
        String form = config.getString(OUTPUT_FORM).trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
        return new TeacherServiceSettings(
                bootstrap,
                kafka,
                topics.requests(),
                topics.softLabels(),
                config.getBoolean(PUBLISH_PREDICTIONS, false) ? topics.responses() : null,
                topics.deadLetters(),
                groupId(topics, teacherId),
                transactionalId(topics, teacherId, config.getString(INSTANCE_ID)),
                DeliveryGuarantee.valueOf(guarantee),
                config.getInt(BATCH_MAX_SIZE, 64, 1, 4096),
                Duration.ofMillis(config.getLong(BATCH_MAX_WAIT, 5)),
                config.getInt(WORKERS, 1, 1, 256),
                config.getInt(MAX_IN_FLIGHT, 2048, 1, 1_000_000),
                Duration.ofMillis(config.getLong(COMMIT_INTERVAL, 100)),
                SoftLabelForm.valueOf(form.equals("TOPK") ? "TOP_K" : form),
                config.getInt(TOP_K, 5, 1, 100_000),
                config.getDouble(SAMPLE_FRACTION, 1.0),
                Duration.ofMillis(config.getLong(SIMULATED_LATENCY, 0)),
                Duration.ofMillis(config.getLong(SHUTDOWN_TIMEOUT, 30_000)));
    }
}
