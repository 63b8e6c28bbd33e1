package io.distill.serving.it;

import static io.distill.serving.testing.ServingFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.checkpoint.store.ManifestKeys;
import io.distill.core.deadletter.ReasonCode;
import io.distill.core.tensor.TensorCodec;
import io.distill.core.testing.DeadLetterTally;
import io.distill.core.testing.HostileInputs;
import io.distill.core.testing.HostileInputs.Input;
import io.distill.core.testing.LogCapture;
import io.distill.schema.CheckpointControl;
import io.distill.schema.CheckpointManifest;
import io.distill.schema.ChunkRef;
import io.distill.schema.ControlMode;
import io.distill.schema.InferenceRequest;
import io.distill.schema.Prediction;
import io.distill.serving.model.RefusalReason;
import io.distill.serving.publish.SyntheticCheckpoint;
import io.distill.serving.server.ServerSettings;
import io.distill.serving.server.StudentServer;
import io.distill.serving.subscription.CheckpointListener;
import io.distill.serving.subscription.ModelTrack;
import io.distill.serving.testing.InMemoryCheckpoints;
import io.distill.serving.testing.ServingFixture;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.junit.IntegrationTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The student server against hostile input on the real broker: the corpus on the requests topic it answers, garbage
 * on the manifest and control topics it follows, and checkpoint versions whose blobs or manifests do not add up. Bad
 * requests and records are dead-lettered with their reason; tampered versions are refused (log line, metric) while
 * the version before them keeps serving; good requests and versions after all that still go through.
 */
@IntegrationTest
class HostileServingIntegrationTest {

    private static final Logger log = LoggerFactory.getLogger(HostileServingIntegrationTest.class);
    private static final long SEED = 0x5e7_71e5L;

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

    private static InferenceRequest request(String id, float pixel) {
        float[] input = new float[784];
        java.util.Arrays.fill(input, pixel);
        return InferenceRequest.newBuilder().setRequestId(id).setSourceId("test").setTask("fashion-mnist")
                .setEventTime(Instant.now()).setInput(TensorCodec.encode(input, 1, 28, 28)).build();
    }

    @Test
    void kafkaInferenceDeadLettersEveryHostileRequestAndAnswersTheRest() throws Exception {
        String model = "hostile-kafka";
        fixture.publish(model, 1);
        ServerSettings settings = ServerSettings.local(model, ServingFixture.contract(), "h1").withKafkaInference(true);
        HostileInputs corpus = new HostileInputs(SEED);
        var requests = fixture.topics().requests();
        InferenceRequest valid = request("hostile-valid", 0.2f);
        byte[] otherContract = fixture.topics().checkpointControl().serializeValue(CheckpointControl.newBuilder()
                .setModelName(model).setMode(ControlMode.LATEST).setActor("test").setAt(Instant.now()).setReason("test")
                .build());
        List<Input> inputs = new ArrayList<>(corpus.wire("hostile", requests::serializeValue, valid, otherContract,
                false));
        // The server is stateless: a repeated request id is answered again. Huge pixels overflow the network.
        for (Input in : corpus.requests("hostile", requests::serializeValue, valid)) {
            inputs.add(switch (in.name()) {
                case "duplicate-request-id" -> in.expecting(HostileInputs.ACCEPTED);
                case "huge-pixels" -> in.expecting(ReasonCode.NON_FINITE_VALUE);
                default -> in;
            });
        }
        log.info("hostile requests (seed {}): {}", corpus.seed(), inputs);
        int good = 10;
        try (StudentServer server = fixture.server(settings);
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(stack.producerProperties(),
                     new ByteArraySerializer(), new ByteArraySerializer())) {
            await("v1", Duration.ofSeconds(60), () -> server.slot().currentVersion() == 1);
            producer.send(new ProducerRecord<>(requests.name(), key(valid.getRequestId()), requests.serializeValue(valid)));
            for (Input in : corpus.shuffled(inputs)) {
                producer.send(new ProducerRecord<>(requests.name(), key(in.key()), in.value()));
            }
            for (int i = 0; i < good; i++) {
                producer.send(new ProducerRecord<>(requests.name(), key("good-" + i),
                        requests.serializeValue(request("good-" + i, 0.01f * i))));
            }
            producer.flush();

            long bad = inputs.stream().filter(Input::deadLettered).count();
            DeadLetterTally tally = DeadLetterTally.read(stack.clientProperties(), fixture.topics().deadLetters().name(),
                    fixture.topics().deadLetters().valueDeserializer(), t -> t.size() >= bad, Duration.ofSeconds(90),
                    Duration.ofSeconds(1));
            Map<String, String> expected = new TreeMap<>(inputs.stream().filter(Input::deadLettered)
                    .collect(Collectors.toMap(Input::key, Input::expected)));
            assertEquals(expected, tally.reasonByKey(), "dead letters by request key");
            tally.letters().forEach(d -> assertEquals("serving/kafka-inference", d.getStage()));

            Map<String, Integer> answers = new HashMap<>();
            int accepted = (int) inputs.stream().filter(i -> !i.deadLettered()).count();
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                    stack.consumerProperties(EmbeddedStack.uniqueName("reader")), new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                consumer.subscribe(List.of(fixture.topics().responses().name()));
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (answers.values().stream().mapToInt(Integer::intValue).sum() < 1 + good + accepted
                        && System.nanoTime() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        Prediction p = fixture.topics().responses().valueDeserializer().deserialize(r.topic(), r.value());
                        p.getProbabilities().forEach(x -> assertTrue(Float.isFinite(x), "finite answer " + p));
                        answers.merge(p.getRequestId(), 1, Integer::sum);
                    }
                }
            }
            for (int i = 0; i < good; i++) {
                assertEquals(1, answers.get("good-" + i), "good-" + i + " answered once");
            }
            assertEquals(2, answers.get(valid.getRequestId()), "a repeated request id is answered again");
            assertEquals(1 + good, answers.size(), "no hostile request answered: " + answers.keySet());
            String metrics = fixture.get(server.baseUrl() + "/metrics").body();
            List<String> counted = metrics.lines()
                    .filter(l -> l.startsWith("distill_serving_kafka_dead_letters_total{model=\"" + model + "\""))
                    .toList();
            assertEquals(1, counted.size(), metrics);
            assertTrue(counted.get(0).endsWith("} " + bad + ".0"), counted.get(0));
            log.info("serving kafka inference: {} hostile requests, dead letters by reason {}", inputs.size(),
                    tally.countsByReason());
        }
    }

    @Test
    void garbageOnCheckpointTopicsIsSkippedAndBrokenVersionsAreRefusedWhileTheOldOneServes() throws Exception {
        String model = "hostile-ckpt";
        fixture.publish(model, 1);
        HostileInputs corpus = new HostileInputs(SEED + 1);
        try (LogCapture logs = new LogCapture(ModelTrack.class);
             StudentServer server = fixture.server(model, "c1");
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(stack.producerProperties(),
                     new ByteArraySerializer(), new ByteArraySerializer())) {
            List<String> refusals = new CopyOnWriteArrayList<>();
            server.addListener(new CheckpointListener() {
                @Override
                public void onRefused(String m, long version, RefusalReason reason, String message) {
                    refusals.add(version + " " + reason);
                }
            });
            await("v1 served", Duration.ofSeconds(60), () -> server.slot().currentVersion() == 1);

            // Garbage on the manifest topic, under manifest keys of versions that never exist, and on the control topic.
            var manifests = fixture.topics().checkpoints();
            var control = fixture.topics().checkpointControl();
            CheckpointManifest v90 = fixture.publish(model, 90);
            byte[] aControl = control.serializeValue(CheckpointControl.newBuilder().setModelName(model)
                    .setMode(ControlMode.LATEST).setActor("test").setAt(Instant.now()).setReason("test").build());
            List<Input> manifestGarbage = corpus.manifests("m", manifests::serializeValue, v90, aControl).stream()
                    .filter(Input::deadLettered).toList();
            List<Input> controlGarbage = corpus.control("c", control::serializeValue, CheckpointControl.newBuilder()
                    .setModelName(model).setMode(ControlMode.LATEST).setActor("test").setAt(Instant.now()).setReason("test")
                    .build(), manifests.serializeValue(v90)).stream().filter(Input::deadLettered).toList();
            long version = 1000;
            Map<String, String> expectedByKey = new TreeMap<>();
            for (Input in : manifestGarbage) {
                String key = ManifestKeys.manifestKey(model, version++);
                expectedByKey.put(key, in.expected());
                producer.send(new ProducerRecord<>(manifests.name(), key(key), in.value()));
            }
            for (Input in : controlGarbage) {
                producer.send(new ProducerRecord<>(control.name(), key(model), in.value()));
            }
            producer.flush();
            await("v90 served past the garbage", Duration.ofSeconds(60), () -> server.slot().currentVersion() == 90);

            SyntheticCheckpoint checkpoint = SyntheticCheckpoint.create(ServingFixture.SPEC, ServingFixture.INPUT_SHAPE,
                    InMemoryCheckpoints.fashionLabels());
            Map<Long, RefusalReason> broken = new TreeMap<>();
            // a chunk that is nowhere in the blob store
            publish(checkpoint, model, 91, m -> {
                List<ChunkRef> chunks = new ArrayList<>(m.getChunks());
                ChunkRef last = chunks.get(chunks.size() - 1);
                chunks.set(chunks.size() - 1, ChunkRef.newBuilder(last)
                        .setLocation(ManifestKeys.chunkKey(model, 91, 99)).build());
                return CheckpointManifest.newBuilder(m).setChunks(chunks).build();
            });
            broken.put(91L, RefusalReason.CHUNK_MISMATCH);
            // a blob store this server cannot open
            publish(checkpoint, model, 92, m -> CheckpointManifest.newBuilder(m).setBlobStore("s3://nowhere/blobs").build());
            broken.put(92L, RefusalReason.UNKNOWN_BLOB_STORE);
            // a version with no chunks at all
            publish(checkpoint, model, 93, m -> CheckpointManifest.newBuilder(m).setChunks(List.of()).build());
            broken.put(93L, RefusalReason.SIZE_MISMATCH);
            // the manifest's size disagrees with its chunks
            publish(checkpoint, model, 94, m -> CheckpointManifest.newBuilder(m).setTotalBytes(m.getTotalBytes() + 1)
                    .build());
            broken.put(94L, RefusalReason.SIZE_MISMATCH);
            // the manifest's SHA-256 disagrees with its chunks
            publish(checkpoint, model, 95, m -> CheckpointManifest.newBuilder(m)
                    .setSha256("0".repeat(64)).build());
            broken.put(95L, RefusalReason.CHECKSUM_MISMATCH);
            for (long v : broken.keySet()) {
                await("v" + v + " refused", Duration.ofSeconds(60), () -> refusals.contains(v + " " + broken.get(v)));
                assertEquals(90, server.slot().currentVersion(), "the old version keeps serving");
            }
            assertEquals(200, fixture.predict(server, model).statusCode());

            fixture.publish(model, 96);
            await("v96 served", Duration.ofSeconds(60), () -> server.slot().currentVersion() == 96);
            // The server tries the newest version first, so refusals come in no particular order; each comes once.
            assertEquals(broken.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).sorted().toList(),
                    refusals.stream().sorted().toList());

            String metrics = fixture.get(server.baseUrl() + "/metrics").body();
            for (RefusalReason reason : broken.values()) {
                assertTrue(metrics.contains("reason=\"" + reason + "\""), reason + " counted");
            }
            List<String> refusedLines = logs.messages("ERROR").stream().filter(l -> l.startsWith("REFUSED")).toList();
            assertEquals(broken.size(), refusedLines.size(), refusedLines.toString());
            refusedLines.forEach(l -> assertTrue(l.contains("still serving v90"), l));

            long letters = manifestGarbage.size() + controlGarbage.size();
            DeadLetterTally tally = DeadLetterTally.read(stack.clientProperties(), fixture.topics().deadLetters().name(),
                    fixture.topics().deadLetters().valueDeserializer(), t -> t.size() >= letters,
                    Duration.ofSeconds(30), Duration.ofSeconds(1));
            assertEquals(expectedByKey, tally.withKeyPrefix(model + ":").reasonByKey(), "manifest garbage by key");
            Map<String, Long> controlReasons = controlGarbage.stream()
                    .collect(Collectors.groupingBy(Input::expected, TreeMap::new, Collectors.counting()));
            Map<String, Long> controlLetters = tally.letters().stream()
                    .filter(d -> DeadLetterTally.key(d).equals(model))
                    .collect(Collectors.groupingBy(d -> d.getReasonCode(), TreeMap::new, Collectors.counting()));
            assertEquals(controlReasons, controlLetters, "control garbage by reason");
            tally.letters().forEach(d -> assertEquals("serving/checkpoint-subscription", d.getStage()));
            log.info("serving subscription: {} manifest and {} control garbage records dead-lettered {}; refused {}",
                    manifestGarbage.size(), controlGarbage.size(), tally.countsByReason(), refusals);
        }
    }

    private void publish(SyntheticCheckpoint checkpoint, String model, long version,
            UnaryOperator<CheckpointManifest> tamper) throws Exception {
        fixture.publisher().publish(checkpoint, model, version, UnaryOperator.identity(), tamper);
    }

    private static byte[] key(String key) {
        return key.getBytes(StandardCharsets.UTF_8);
    }
}
