package io.distill.serving.it;

import io.distill.core.softtarget.SoftTargets;
import io.distill.core.tensor.TensorCodec;
import io.distill.schema.DeadLetter;
import io.distill.schema.InferenceRequest;
import io.distill.schema.Prediction;
import io.distill.schema.SoftLabel;
import io.distill.serving.quality.QualityGate;
import io.distill.serving.server.ServerSettings;
import io.distill.serving.server.StudentServer;
import io.distill.serving.testing.InMemoryCheckpoints;
import io.distill.serving.testing.ServingFixture;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.junit.IntegrationTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.distill.serving.testing.ServingFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kafka-native inference with live quality: predictions stamped with their version, a bad request dead-lettered,
 * and a version whose answers disagree with the teacher rolled back through a control record.
 */
@IntegrationTest
class KafkaInferenceIntegrationTest {

    private static final int REQUESTS = 30;

    private ServingFixture fixture;
    private EmbeddedStack stack;

    @BeforeEach
    void setUp(EmbeddedStack stack) {
        this.stack = stack;
        fixture = new ServingFixture(stack);
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    @Test
    void answersFromKafkaAndRollsBackWhenLiveAgreementDrops() throws Exception {
        String model = "kafka";
        fixture.publish(model, 1);
        fixture.publish(model, 2);
        ServerSettings settings = ServerSettings.local(model, ServingFixture.contract(), "k1")
                .withKafkaInference(true)
                .withLiveQuality(1.0, new QualityGate(0.9, REQUESTS, REQUESTS, true));
        try (StudentServer server = fixture.server(settings);
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(stack.producerProperties(),
                     new ByteArraySerializer(), new ByteArraySerializer())) {
            await("v2", Duration.ofSeconds(60), () -> server.slot().currentVersion() == 2);
            var requests = fixture.topics().requests();
            for (int i = 0; i < REQUESTS; i++) {
                float[] input = new float[784];
                input[i] = 1f;
                InferenceRequest request = InferenceRequest.newBuilder().setRequestId("r" + i).setSourceId("test")
                        .setTask("fashion-mnist").setEventTime(Instant.now())
                        .setInput(TensorCodec.encode(input, 1, 28, 28)).build();
                producer.send(new ProducerRecord<>(requests.name(), ("r" + i).getBytes(StandardCharsets.UTF_8),
                        requests.serializeValue(request)));
            }
            producer.send(new ProducerRecord<>(requests.name(), "bad".getBytes(StandardCharsets.UTF_8),
                    "not avro".getBytes(StandardCharsets.UTF_8)));
            producer.flush();

            Map<String, Prediction> predictions = new HashMap<>();
            List<DeadLetter> deadLetters = new java.util.ArrayList<>();
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                    stack.consumerProperties(EmbeddedStack.uniqueName("reader")), new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                consumer.subscribe(List.of(fixture.topics().responses().name(),
                        fixture.topics().deadLetters().name()));
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while ((predictions.size() < REQUESTS || deadLetters.isEmpty()) && System.nanoTime() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        if (r.topic().equals(fixture.topics().responses().name())) {
                            Prediction p = fixture.topics().responses().valueDeserializer().deserialize(r.topic(),
                                    r.value());
                            predictions.put(p.getRequestId(), p);
                        } else {
                            deadLetters.add(fixture.topics().deadLetters().valueDeserializer().deserialize(r.topic(),
                                    r.value()));
                        }
                    }
                }
            }
            assertEquals(REQUESTS, predictions.size());
            for (Prediction p : predictions.values()) {
                assertEquals("2", p.getModelVersion(), "every prediction names the version that produced it");
                assertEquals(model, p.getModelName());
                assertEquals(10, p.getProbabilities().size());
            }
            assertEquals(1, deadLetters.size());
            assertEquals("UNKNOWN_MAGIC_BYTE", deadLetters.get(0).getReasonCode());

            // The teacher disagrees with every answer: agreement 0 < 0.9 over the window, so the fleet rolls back.
            var softLabels = fixture.topics().softLabels();
            for (Prediction p : predictions.values()) {
                int teacherClass = (p.getPredictedClass() + 1) % 10;
                double[] probs = new double[10];
                java.util.Arrays.fill(probs, 0.01);
                probs[teacherClass] = 0.91;
                SoftLabel label = SoftLabel.newBuilder().setRequestId(p.getRequestId()).setTeacherId("t")
                        .setTeacherVersion("1").setLabelSpace(InMemoryCheckpoints.fashionLabels())
                        .setTarget(SoftTargets.denseFromProbabilities(probs)).setArgmax(teacherClass)
                        .setLatencyMicros(1).setRequestTime(Instant.now()).setProducedAt(Instant.now()).build();
                producer.send(new ProducerRecord<>(softLabels.name(),
                        p.getRequestId().getBytes(StandardCharsets.UTF_8), softLabels.serializeValue(label)));
            }
            producer.flush();
            await("rolled back to v1", Duration.ofSeconds(60), () -> server.slot().currentVersion() == 1);
            assertTrue(server.liveAgreement().hasDropped(2));
            assertEquals(0.0, server.liveAgreement().agreement(2), 1e-9);
            assertEquals(java.util.Set.of(2L), server.track().policy().denied());
            String metrics = fixture.get(server.baseUrl() + "/metrics").body();
            assertTrue(metrics.contains("distill_serving_live_quality_drops_total"), metrics);
        }
    }
}
