package io.distill.topology;

import static io.distill.topology.testkit.Records.label;
import static io.distill.topology.testkit.Records.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.registry.HttpRegistryClient;
import io.distill.core.registry.RegistryClientConfig;
import io.distill.core.registry.TopicNameStrategy;
import io.distill.core.testing.EvolvedWriter;
import io.distill.core.testing.LogCapture;
import io.distill.schema.ExampleKind;
import io.distill.schema.InferenceRequest;
import io.distill.schema.TrainingExample;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.RegistryProcess;
import io.distill.stack.StackOptions;
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
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The schema registry goes away for a while under the running topology with traffic. Requests written with a schema
 * id the topology has not seen cannot be decoded until it is back: the decoder rethrows (never dead-letters), the
 * stream thread is replaced and resumes from the last commit, the registry client logs its retries. After the
 * restart (same storage, same ids) every request is an example exactly once and nothing is dead-lettered.
 */
@IntegrationTest
class RegistryOutageIntegrationTest {

    private static final Logger log = LoggerFactory.getLogger(RegistryOutageIntegrationTest.class);
    private static final Duration OUTAGE = Duration.ofSeconds(12);
    private static final String TEACHER = "cnn-a";

    @Test
    void requestsProducedDuringAnOutageBecomeExamplesAfterItAndNoneIsDeadLettered(EmbeddedStack stack)
            throws Exception {
        try (RegistryProcess registry = RegistryProcess.start(StackOptions.builder().build());
             LogCapture clientLog = new LogCapture(HttpRegistryClient.class)) {
            HttpRegistryClient client = new HttpRegistryClient(RegistryClientConfig.builder(registry.url())
                    .retryBackoff(Duration.ofMillis(100)).retryBackoffMax(Duration.ofSeconds(2))
                    .retryMaxWait(Duration.ofSeconds(4)).build());
            Map<String, String> settings = new HashMap<>(Map.of("teachers", TEACHER, "ensemble.timeout.ms", "1000",
                    "holdout.fraction", "0", "state.dir", Files.createTempDirectory("topology-outage").toString()));
            settings.put("registry.url", registry.url());
            TopologyConfig config = StackTopics.create(stack, 3, settings);
            TopologySerdes serdes = RegistrySerdes.on(client);
            List<String> ids = new ArrayList<>();
            try (TopologyApp app = TopologyApp.start(config, serdes, TopologyMetrics.inMemory());
                 KafkaProducer<String, byte[]> producer = StackTopics.producer(stack)) {
                app.awaitRunning(Duration.ofSeconds(60));
                produce(producer, config, serdes, "before", 10, ids);
                StackTopics.readUntil(stack, List.of(config.examplesTopic()), r -> r.size() >= 10, Duration.ofSeconds(60));

                EvolvedWriter newer = new EvolvedWriter(InferenceRequest.getClassSchema(), InferenceRequest.class);
                int newerId;
                try (HttpRegistryClient producerSide = HttpRegistryClient.create(registry.url())) {
                    newerId = producerSide.register(TopicNameStrategy.subject(config.requestsTopic(), false),
                            newer.schema());
                }
                List<byte[]> unseen = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    unseen.add(newer.write(newerId, request("outage-new-schema-" + i, 50f + i, System.currentTimeMillis())));
                }

                registry.stop();
                long outageStart = System.nanoTime();
                for (int i = 0; i < unseen.size(); i++) {
                    String id = "outage-new-schema-" + i;
                    ids.add(id);
                    StackTopics.send(producer, config.softLabelsTopic(), id, serdes.softLabels().serializer()
                            .serialize(config.softLabelsTopic(), label(id, TEACHER, 0.5, 0.3, 0.2)));
                    StackTopics.send(producer, config.requestsTopic(), id, unseen.get(i));
                }
                int round = 0;
                while (System.nanoTime() - outageStart < OUTAGE.toNanos()) {
                    produce(producer, config, serdes, "outage-" + round++, 3, ids);
                    Thread.sleep(1000);
                }
                registry.start();
                log.info("schema registry was down for {} ms", (System.nanoTime() - outageStart) / 1_000_000);
                produce(producer, config, serdes, "after", 10, ids);

                List<ConsumerRecord<String, byte[]>> out = StackTopics.readUntil(stack, List.of(config.examplesTopic()),
                        r -> r.size() >= ids.size(), Duration.ofSeconds(120));
                Set<String> examples = new HashSet<>();
                for (ConsumerRecord<String, byte[]> r : out) {
                    TrainingExample e = serdes.examples().deserializer().deserialize(r.topic(), r.value());
                    if (e.getKind() == ExampleKind.EXAMPLE) {
                        assertTrue(examples.add(e.getRequestId()), "once: " + e.getRequestId());
                    }
                }
                assertEquals(new HashSet<>(ids), examples, "every request before, during and after the outage");
                DispositionSummary summary = Decisions.awaitDecided(app, ids.size(), Duration.ofSeconds(60));
                assertEquals(ids.size(), summary.received(), summary.toJson());
                assertEquals(ids.size(), summary.count("example.train"), summary.toJson());
                assertEquals(0, StackTopics.readUntil(stack, List.of(config.deadLettersTopic()), r -> false,
                        Duration.ofSeconds(2)).size(), "an outage is never the record's fault");
                long retries = clientLog.messages("WARN").stream().filter(l -> l.contains("unreachable, retrying in"))
                        .count();
                assertTrue(retries >= 3, "the client logs its retries: " + clientLog.messages("WARN"));
                log.info("topology registry outage: {} requests ({} with a schema id first seen during the outage), "
                        + "{} examples, 0 dead letters, {} client retry lines", ids.size(), unseen.size(),
                        examples.size(), retries);
            }
        }
    }

    private static void produce(KafkaProducer<String, byte[]> producer, TopologyConfig config, TopologySerdes serdes,
            String prefix, int n, List<String> ids) {
        for (int i = 0; i < n; i++) {
            String id = prefix + "-" + i;
            ids.add(id);
            StackTopics.send(producer, config.softLabelsTopic(), id, serdes.softLabels().serializer()
                    .serialize(config.softLabelsTopic(), label(id, TEACHER, 0.6, 0.3, 0.1)));
            StackTopics.send(producer, config.requestsTopic(), id, serdes.requests().serializer()
                    .serialize(config.requestsTopic(), request(id, (float) ids.size(), System.currentTimeMillis())));
        }
        producer.flush();
    }
}
