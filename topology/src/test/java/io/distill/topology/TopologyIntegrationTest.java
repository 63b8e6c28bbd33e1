package io.distill.topology;

import static io.distill.topology.testkit.Records.label;
import static io.distill.topology.testkit.Records.request;
import static io.distill.topology.testkit.Records.truth;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.schema.DeadLetter;
import io.distill.schema.ExampleKind;
import io.distill.schema.TrainingExample;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.junit.IntegrationTest;
import io.distill.topology.accounting.DispositionSummary;
import io.distill.topology.app.TopologyApp;
import io.distill.topology.app.TopologyService;
import io.distill.topology.config.TopologyConfig;
import io.distill.topology.metrics.TopologyMetrics;
import io.distill.topology.testkit.Decisions;
import io.distill.topology.testkit.Records;
import io.distill.topology.testkit.StackTopics;
import io.distill.topology.testkit.TopologyHarness;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

/** The topology as a Kafka Streams application on the real embedded broker. */
@IntegrationTest
class TopologyIntegrationTest {

    private static final String CANARY = "CANARY-91bd-private-phone-+41790000000";

    private io.distill.topology.TopologySerdes serdes;

    @org.junit.jupiter.api.BeforeEach
    void serdesOnTheRealRegistry(EmbeddedStack stack) {
        serdes = RegistrySerdes.on(io.distill.core.registry.HttpRegistryClient.create(stack.registryUrl()));
    }

    private void produceWorkload(EmbeddedStack stack, TopologyConfig config, int from, int to) {
        try (KafkaProducer<String, byte[]> producer = StackTopics.producer(stack)) {
            for (int i = from; i < to; i++) {
                String id = "req-" + i;
                StackTopics.send(producer, config.softLabelsTopic(), id,
                        serdes.softLabels().serializer().serialize(config.softLabelsTopic(), label(id, "cnn-a", 0.7, 0.2, 0.1)));
                StackTopics.send(producer, config.requestsTopic(), id, serdes.requests().serializer().serialize(config.requestsTopic(),
                        request(id, Records.input(i), 1000 + i, Map.of("locale", "fr", "phone", CANARY))));
                if (i % 5 != 0) {
                    StackTopics.send(producer, config.softLabelsTopic(), id,
                            serdes.softLabels().serializer().serialize(config.softLabelsTopic(), label(id, "cnn-b", 0.6, 0.3, 0.1)));
                }
                if (i % 3 == 0) {
                    StackTopics.send(producer, config.groundTruthTopic(), id,
                            serdes.groundTruth().serializer().serialize(config.groundTruthTopic(), truth(id, 0, 1500 + i)));
                }
            }
            producer.flush();
        }
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        return haystack != null && new String(haystack, StandardCharsets.ISO_8859_1)
                .contains(new String(needle, StandardCharsets.ISO_8859_1));
    }

    @Test
    void joinsDecidesAndAccountsOnTheRealBroker(EmbeddedStack stack) throws Exception {
        TopologyConfig config = StackTopics.create(stack, 3, Map.of("teachers", "cnn-a,cnn-b",
                "ensemble.timeout.ms", "1000", "holdout.fraction", "0.2", "allowlist.metadata", "locale",
                "state.dir", Files.createTempDirectory("topology-it").toString()));
        int n = 100;
        produceWorkload(stack, config, 0, n);
        try (KafkaProducer<String, byte[]> producer = StackTopics.producer(stack)) {
            StackTopics.send(producer, config.requestsTopic(), "bad", "garbage".getBytes(StandardCharsets.UTF_8));
            StackTopics.send(producer, config.requestsTopic(), "req-7", serdes.requests().serializer().serialize(config.requestsTopic(),
                    request("req-7", Records.input(7), 1007, Map.of())));
        }
        try (TopologyService service = TopologyService.start(config, serdes)) {
            service.app().awaitRunning(Duration.ofSeconds(60));
            DispositionSummary decided = Decisions.awaitDecided(service.app(), n + 2, Duration.ofSeconds(30));
            List<ConsumerRecord<String, byte[]>> out = StackTopics.readUntil(stack,
                    List.of(config.examplesTopic(), config.holdoutTopic()), r -> false, Duration.ofSeconds(3));
            Set<String> ids = new HashSet<>();
            Set<String> corrected = new HashSet<>();
            Map<String, Integer> hardLabels = new HashMap<>();
            int oneTeacher = 0;
            for (ConsumerRecord<String, byte[]> r : out) {
                TrainingExample e = serdes.examples().deserializer().deserialize(r.topic(), r.value());
                assertEquals(r.topic().equals(config.holdoutTopic()) ? "HOLDOUT" : "TRAIN", e.getSplit().name());
                if (e.getKind() == ExampleKind.LABEL_CORRECTION) {
                    assertTrue(corrected.add(e.getRequestId()), "one correction per example: " + e.getRequestId());
                    hardLabels.merge(e.getRequestId(), e.getHardLabel(), (a, b) -> -1);
                    continue;
                }
                assertTrue(ids.add(e.getRequestId()), "once: " + e.getRequestId());
                if (e.getTeachers().size() == 1) {
                    oneTeacher++;
                }
                if (e.getHardLabel() != null) {
                    hardLabels.merge(e.getRequestId(), e.getHardLabel(), (a, b) -> -1);
                }
                assertEquals(Map.of("locale", "fr"), e.getMetadata());
            }
            assertEquals(n, ids.size(), decided.toJson());
            for (int i = 0; i < n; i++) {
                assertEquals(i % 3 == 0 ? Integer.valueOf(0) : null, hardLabels.get("req-" + i),
                        "ground truth of req-" + i + " arrives exactly once, in the example or as its correction");
            }
            assertEquals(n / 5, oneTeacher, "teacher cnn-b skipped every fifth request; the timeout emitted them");

            List<ConsumerRecord<String, byte[]>> letters = StackTopics.readUntil(stack, List.of(config.deadLettersTopic()),
                    r -> !r.isEmpty(), Duration.ofSeconds(30));
            DeadLetter letter = serdes.deadLetters().deserializer().deserialize("t", letters.get(0).value());
            assertEquals("UNKNOWN_MAGIC_BYTE", letter.getReasonCode());

            DispositionSummary summary = Decisions.awaitDecided(service.app(), n + 2, Duration.ofSeconds(30));
            assertEquals(n + 2, summary.received());
            assertEquals(1, summary.count("duplicate"));
            assertEquals(1, summary.count("dead_lettered.UNKNOWN_MAGIC_BYTE"));
            assertEquals(n, summary.count("example.train") + summary.count("example.holdout"));

            HttpResponse<String> http = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(service.endpoint().baseUrl() + "/dispositions")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, http.statusCode());
            assertTrue(http.body().contains("\"received\":" + (n + 2)), http.body());
            String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(service.endpoint().baseUrl() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(metrics.contains("distill_topology_examples_total"), "examples by split");
            assertTrue(metrics.contains("distill_topology_dispositions_total"));
            assertTrue(metrics.contains("distill_topology_teacher_contributions_total{"));

            // privacy on the real topics: training topics and every changelog of the application
            List<String> changelogs = stack.adminClient().listTopics().names().get().stream()
                    .filter(t -> t.startsWith(config.applicationId()) && t.endsWith("-changelog")).toList();
            assertEquals(4, changelogs.size(), changelogs.toString());
            List<String> checked = new java.util.ArrayList<>(changelogs);
            checked.add(config.examplesTopic());
            checked.add(config.holdoutTopic());
            List<ConsumerRecord<String, byte[]>> all = StackTopics.readUntil(stack, checked,
                    r -> r.size() >= 2 * n, Duration.ofSeconds(30));
            assertTrue(all.size() >= 2 * n);
            byte[] canary = CANARY.getBytes(StandardCharsets.UTF_8);
            for (ConsumerRecord<String, byte[]> r : all) {
                assertFalse(contains(r.value(), canary), "canary in " + r.topic());
            }
        }
    }

    @Test
    void aRestartMidStreamLosesAndDuplicatesNothing(EmbeddedStack stack) throws Exception {
        Map<String, String> settings = new HashMap<>(Map.of("teachers", "cnn-a,cnn-b", "ensemble.timeout.ms", "1000",
                "holdout.fraction", "0.2"));
        settings.put("state.dir", Files.createTempDirectory("topology-it-a").toString());
        TopologyConfig first = StackTopics.create(stack, 3, settings);
        int n = 400;
        produceWorkload(stack, first, 0, n / 2);
        TopologyMetrics metrics = TopologyMetrics.inMemory();
        TopologyApp app = TopologyApp.start(first, serdes, metrics);
        app.awaitRunning(Duration.ofSeconds(60));
        Thread producerThread = new Thread(() -> produceWorkload(stack, first, n / 2, n));
        producerThread.start();
        StackTopics.readUntil(stack, List.of(first.examplesTopic(), first.holdoutTopic()), r -> r.size() >= n / 4,
                Duration.ofSeconds(60));
        app.close();
        producerThread.join();

        // a new instance, with an empty state directory: its stores come back from the changelogs
        Path freshState = Files.createTempDirectory("topology-it-b");
        TopologyConfig second = first.with("state.dir", freshState.toString());
        try (TopologyApp restarted = TopologyApp.start(second, serdes, TopologyMetrics.inMemory())) {
            restarted.awaitRunning(Duration.ofSeconds(60));
            List<ConsumerRecord<String, byte[]>> out = StackTopics.readUntil(stack,
                    List.of(first.examplesTopic(), first.holdoutTopic()), r -> r.size() >= n, Duration.ofSeconds(90));
            Decisions.awaitDecided(restarted, n, Duration.ofSeconds(30));
            out = StackTopics.readUntil(stack, List.of(first.examplesTopic(), first.holdoutTopic()),
                    r -> false, Duration.ofSeconds(3));
            Set<String> ids = new HashSet<>();
            Set<String> corrections = new HashSet<>();
            for (ConsumerRecord<String, byte[]> r : out) {
                TrainingExample e = serdes.examples().deserializer().deserialize(r.topic(), r.value());
                Set<String> seen = e.getKind() == ExampleKind.EXAMPLE ? ids : corrections;
                assertTrue(seen.add(r.key()), "duplicate " + e.getKind() + " for " + r.key());
            }
            assertEquals(n, ids.size(), "every request came out exactly once");
            DispositionSummary summary = Decisions.awaitDecided(restarted, n, Duration.ofSeconds(30));
            assertEquals(n, summary.received(), "received counted once across the restart: " + summary.toJson());
            assertEquals(n, summary.decided());
        }
    }
}
