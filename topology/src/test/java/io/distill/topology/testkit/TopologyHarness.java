package io.distill.topology.testkit;

import io.distill.schema.DeadLetter;
import io.distill.schema.GroundTruth;
import io.distill.schema.InferenceRequest;
import io.distill.schema.SoftLabel;
import io.distill.schema.TrainingExample;
import io.distill.core.registry.InMemoryRegistryClient;
import io.distill.topology.DistillTopology;
import io.distill.topology.RegistrySerdes;
import io.distill.topology.TopologySerdes;
import io.distill.topology.accounting.DispositionSummary;
import io.distill.topology.config.TopologyConfig;
import io.distill.topology.metrics.TopologyMetrics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;

/** The topology on a {@link TopologyTestDriver}, with typed inputs and outputs. */
public final class TopologyHarness implements AutoCloseable {

    public static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    public final TopologyConfig config;
    public final TopologySerdes serdes;
    public final TopologyMetrics metrics = TopologyMetrics.inMemory();
    private final TopologyTestDriver driver;
    private final TestInputTopic<byte[], byte[]> requests;
    private final TestInputTopic<byte[], byte[]> softLabels;
    private final TestInputTopic<byte[], byte[]> groundTruth;
    private final TestOutputTopic<String, TrainingExample> examples;
    private final TestOutputTopic<String, TrainingExample> holdout;
    private final TestOutputTopic<String, DeadLetter> deadLetters;

    public final InMemoryRegistryClient registry = new InMemoryRegistryClient();

    public TopologyHarness(Map<String, String> settings) {
        Map<String, String> all = new HashMap<>();
        all.put("teachers", "cnn-a,cnn-b");
        all.put("ensemble.timeout.ms", "5000");
        all.put("holdout.fraction", "0");
        all.put("state.dir", freshStateDir());
        all.putAll(settings);
        this.config = TopologyConfig.from(all);
        this.serdes = RegistrySerdes.on(registry);
        Topology topology = DistillTopology.build(config, serdes, metrics);
        Properties props = DistillTopology.streamsProperties(config);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        this.driver = new TopologyTestDriver(topology, props, START);
        ByteArraySerializer bytes = new ByteArraySerializer();
        this.requests = driver.createInputTopic(config.requestsTopic(), bytes, bytes, START, Duration.ofMillis(1));
        this.softLabels = driver.createInputTopic(config.softLabelsTopic(), bytes, bytes, START, Duration.ofMillis(1));
        this.groundTruth = driver.createInputTopic(config.groundTruthTopic(), bytes, bytes, START, Duration.ofMillis(1));
        StringDeserializer keys = new StringDeserializer();
        this.examples = driver.createOutputTopic(config.examplesTopic(), keys, serdes.examples().deserializer());
        this.holdout = driver.createOutputTopic(config.holdoutTopic(), keys, serdes.examples().deserializer());
        this.deadLetters = driver.createOutputTopic(config.deadLettersTopic(), keys, serdes.deadLetters().deserializer());
    }

    public static TopologySerdes testSerdes() {
        return RegistrySerdes.on(new InMemoryRegistryClient());
    }

    public void send(InferenceRequest request) {
        requests.pipeInput(key(request.getRequestId()), serdes.requests().serializer().serialize(config.requestsTopic(), request));
    }

    public void send(SoftLabel label) {
        softLabels.pipeInput(key(label.getRequestId()), serdes.softLabels().serializer().serialize(config.softLabelsTopic(), label));
    }

    public void send(GroundTruth truth) {
        groundTruth.pipeInput(key(truth.getRequestId()), serdes.groundTruth().serializer().serialize(config.groundTruthTopic(), truth));
    }

    public void sendRawRequest(String key, byte[] value) {
        requests.pipeInput(key == null ? null : key(key), value);
    }

    public void sendRawSoftLabel(String key, byte[] value) {
        softLabels.pipeInput(key(key), value);
    }

    public void sendRawGroundTruth(String key, byte[] value) {
        groundTruth.pipeInput(key(key), value);
    }

    public void advance(Duration wallClock) {
        driver.advanceWallClockTime(wallClock);
    }

    public List<TrainingExample> examples() {
        return examples.readValuesToList();
    }

    public List<TrainingExample> holdout() {
        return holdout.readValuesToList();
    }

    public List<DeadLetter> deadLetters() {
        return deadLetters.readValuesToList();
    }

    /** Every record written to a topic of examples (shared or per site) so far, consumed by this call. */
    public List<TrainingExample> examplesOf(String topic) {
        return driver.createOutputTopic(topic, new StringDeserializer(), serdes.examples().deserializer()).readValuesToList();
    }

    public DispositionSummary dispositions() {
        return DispositionSummary.of(driver.getKeyValueStore(DistillTopology.DISPOSITIONS_STORE));
    }

    /** Raw bytes of every record written to a topic so far (consumed by this call). */
    public List<byte[]> rawValues(String topic) {
        return driver.createOutputTopic(topic, new ByteArrayDeserializer(), new ByteArrayDeserializer()).readValuesToList();
    }

    public TopologyTestDriver driver() {
        return driver;
    }

    private static byte[] key(String id) {
        return id.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        driver.close();
    }

    /** Each harness gets its own state directory, so no store content survives from another run of the same application id. */
    private static String freshStateDir() {
        try {
            return java.nio.file.Files.createTempDirectory("distill-topology-test").toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
