package io.distill.topology;

import static io.distill.topology.testkit.Records.label;
import static io.distill.topology.testkit.Records.request;
import static io.distill.topology.testkit.Records.truth;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.deadletter.ReasonCode;
import io.distill.core.registry.HttpRegistryClient;
import io.distill.core.testing.DeadLetterTally;
import io.distill.core.testing.HostileInputs;
import io.distill.core.testing.HostileInputs.Input;
import io.distill.schema.ExampleKind;
import io.distill.schema.GroundTruth;
import io.distill.schema.InferenceRequest;
import io.distill.schema.SoftLabel;
import io.distill.schema.TrainingExample;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.junit.IntegrationTest;
import io.distill.topology.accounting.DispositionSummary;
import io.distill.topology.app.TopologyApp;
import io.distill.topology.config.TopologyConfig;
import io.distill.topology.metrics.TopologyMetrics;
import io.distill.topology.testkit.Decisions;
import io.distill.topology.testkit.StackTopics;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hostile-input corpus on the topology's three inputs (requests, soft labels, ground truth) on the real broker:
 * each record ends in its disposition (dead letter with its reason, duplicate, or the ordinary path), counted on the
 * dead-letter topic, in the disposition ledger and in the metrics; good records after the corpus still become
 * examples.
 */
@IntegrationTest
class HostileInputIntegrationTest {

    private static final Logger log = LoggerFactory.getLogger(HostileInputIntegrationTest.class);
    private static final long SEED = 0x70b0_1091L;
    private static final String TEACHER = "cnn-a";

    @Test
    void everyHostileInputEndsInItsDisposition(EmbeddedStack stack) throws Exception {
        TopologyConfig config = StackTopics.create(stack, 3, Map.of("teachers", TEACHER, "ensemble.timeout.ms", "1000",
                "holdout.fraction", "0", "state.dir", Files.createTempDirectory("topology-hostile").toString()));
        TopologySerdes serdes = RegistrySerdes.on(HttpRegistryClient.create(stack.registryUrl()));
        HostileInputs corpus = new HostileInputs(SEED);
        long t0 = System.currentTimeMillis();

        InferenceRequest validRequest = request("req-valid", 1f, t0);
        SoftLabel validLabel = label("sl-valid", TEACHER, 0.7, 0.2, 0.1);
        GroundTruth validTruth = truth("gt-valid", 1, t0);
        byte[] aTruth = serdes.groundTruth().serializer().serialize(config.groundTruthTopic(), validTruth);
        byte[] aRequest = serdes.requests().serializer().serialize(config.requestsTopic(), validRequest);

        // The topology knows no model input shape: a well-formed tensor of another shape is joined like any other
        // request (and, with no teacher answer, filtered); only malformed tensors are refused.
        List<Input> requests = new ArrayList<>(corpus.wire("req", v -> serdes.requests().serializer()
                .serialize(config.requestsTopic(), v), validRequest, aTruth, false));
        for (Input in : corpus.requests("req", v -> serdes.requests().serializer().serialize(config.requestsTopic(), v),
                validRequest)) {
            requests.add(switch (in.name()) {
                case "huge-pixels", "wrong-shape", "oversized-tensor" -> in.expecting(HostileInputs.ACCEPTED);
                default -> in;
            });
        }
        List<Input> labels = new ArrayList<>(corpus.wire("sl", v -> serdes.softLabels().serializer()
                .serialize(config.softLabelsTopic(), v), validLabel, aRequest, false));
        labels.addAll(corpus.softLabels("sl", v -> serdes.softLabels().serializer().serialize(config.softLabelsTopic(), v),
                validLabel));
        List<Input> truths = new ArrayList<>(corpus.wire("gt", v -> serdes.groundTruth().serializer()
                .serialize(config.groundTruthTopic(), v), validTruth, aRequest, false));
        truths.addAll(corpus.groundTruth("gt", v -> serdes.groundTruth().serializer()
                .serialize(config.groundTruthTopic(), v), validTruth, 3));
        log.info("hostile inputs (seed {}): requests {}, soft labels {}, ground truth {}", corpus.seed(), requests,
                labels, truths);

        int good = 20;
        try (KafkaProducer<String, byte[]> producer = StackTopics.producer(stack)) {
            // Labels out of range are only known against the label space of the request they join: give those a
            // request and a teacher's answer.
            for (Input in : truths) {
                if (in.name().startsWith("label-")) {
                    send(producer, config.requestsTopic(), in.key(), serdes.requests().serializer()
                            .serialize(config.requestsTopic(), request(in.key(), 2f, t0)));
                    send(producer, config.softLabelsTopic(), in.key(), serdes.softLabels().serializer()
                            .serialize(config.softLabelsTopic(), label(in.key(), TEACHER, 0.1, 0.2, 0.7)));
                }
            }
            send(producer, config.requestsTopic(), validRequest.getRequestId(), aRequest);
            for (Input in : corpus.shuffled(requests)) {
                send(producer, config.requestsTopic(), in.key(), in.value());
            }
            for (Input in : corpus.shuffled(labels)) {
                send(producer, config.softLabelsTopic(), in.key(), in.value());
            }
            for (Input in : corpus.shuffled(truths)) {
                send(producer, config.groundTruthTopic(), in.key(), in.value());
            }
            for (int i = 0; i < good; i++) {
                String id = "good-" + i;
                send(producer, config.softLabelsTopic(), id, serdes.softLabels().serializer()
                        .serialize(config.softLabelsTopic(), label(id, TEACHER, 0.6, 0.3, 0.1)));
                send(producer, config.requestsTopic(), id, serdes.requests().serializer()
                        .serialize(config.requestsTopic(), request(id, 10f + i, t0)));
            }
            producer.flush();
        }

        TopologyMetrics metrics = TopologyMetrics.inMemory();
        try (TopologyApp app = TopologyApp.start(config, serdes, metrics)) {
            app.awaitRunning(Duration.ofSeconds(60));
            List<Input> all = new ArrayList<>(requests);
            all.addAll(labels);
            all.addAll(truths);
            long bad = all.stream().filter(Input::deadLettered).count();
            DeadLetterTally tally = DeadLetterTally.read(stack.clientProperties(), config.deadLettersTopic(),
                    serdes.deadLetters().deserializer(), t -> t.size() >= bad, Duration.ofSeconds(90),
                    Duration.ofSeconds(1));
            Map<String, String> expected = new TreeMap<>();
            all.stream().filter(Input::deadLettered).forEach(i -> expected.put(i.key(), i.expected()));
            assertEquals(expected, tally.reasonByKey(), "dead letters by key");

            // requests: every one received has exactly one disposition
            int requestsSent = 1 + requests.size() + good + 2;
            DispositionSummary summary = Decisions.awaitDecided(app, requestsSent, Duration.ofSeconds(60));
            assertEquals(requestsSent, summary.received(), summary.toJson());
            assertEquals(0, summary.pending(), summary.toJson());
            Map<String, Long> requestLetters = requests.stream().filter(Input::deadLettered)
                    .collect(Collectors.groupingBy(Input::expected, Collectors.counting()));
            requestLetters.forEach((reason, n) -> assertEquals((long) n, summary.count("dead_lettered." + reason),
                    reason + " in " + summary.toJson()));
            assertEquals(1, summary.count("duplicate"), summary.toJson());
            // dead letters of every input are counted by source and reason
            for (Map.Entry<String, List<Input>> source : Map.of("requests", requests, "soft-labels", labels,
                    "ground-truth", truths).entrySet()) {
                Map<String, Long> byReason = source.getValue().stream().filter(Input::deadLettered)
                        .collect(Collectors.groupingBy(Input::expected, Collectors.counting()));
                for (Map.Entry<String, Long> e : byReason.entrySet()) {
                    assertEquals((double) e.getValue(), metrics.count("distill.topology.dead.letters", "source",
                            source.getKey(), "reason", e.getKey()), source.getKey() + " " + e.getKey());
                }
            }

            // the good records after the corpus are examples; the out-of-range labels did not reach them
            List<ConsumerRecord<String, byte[]>> out = StackTopics.readUntil(stack, List.of(config.examplesTopic()),
                    r -> r.stream().filter(x -> x.key().startsWith("good-")).count() >= good, Duration.ofSeconds(60));
            Set<String> examples = new HashSet<>();
            Map<String, Integer> hardLabels = new HashMap<>();
            for (ConsumerRecord<String, byte[]> r : out) {
                TrainingExample e = serdes.examples().deserializer().deserialize(r.topic(), r.value());
                if (e.getKind() == ExampleKind.EXAMPLE) {
                    examples.add(e.getRequestId());
                }
                if (e.getHardLabel() != null) {
                    hardLabels.put(e.getRequestId(), e.getHardLabel());
                }
            }
            for (int i = 0; i < good; i++) {
                assertTrue(examples.contains("good-" + i), "good-" + i + " became an example");
            }
            assertTrue(examples.contains("gt-label-equal-to-class-count"), "its request is an example still");
            assertEquals(Map.of(), hardLabels, "no out-of-range label reached an example");
            log.info("topology: {} requests, {} soft labels, {} ground truth; dead letters by reason {}; ledger {}",
                    requests.size(), labels.size(), truths.size(), tally.countsByReason(), summary.toJson());
        }
    }

    private static void send(KafkaProducer<String, byte[]> producer, String topic, String key, byte[] value) {
        StackTopics.send(producer, topic, key, value);
    }
}
