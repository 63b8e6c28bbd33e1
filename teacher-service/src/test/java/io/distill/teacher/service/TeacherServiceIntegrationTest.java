package io.distill.teacher.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.softtarget.SoftTargets;
import io.distill.core.tensor.TensorCodec;
import io.distill.schema.DType;
import io.distill.schema.DeadLetter;
import io.distill.schema.Prediction;
import io.distill.schema.SoftLabel;
import io.distill.schema.Tensor;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.junit.IntegrationTest;
import io.distill.teacher.TestTeachers;
import io.distill.teacher.model.TeacherModel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

@IntegrationTest
class TeacherServiceIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static TeacherModel teacherA;
    private static TeacherModel teacherB;

    @BeforeAll
    static void teachers() {
        teacherA = TestTeachers.tiny("tiny-a", 1);
        teacherB = TestTeachers.tiny("tiny-b", 2);
    }

    @AfterAll
    static void close() {
        teacherA.close();
        teacherB.close();
    }

    private static Map<String, Long> countByRequest(List<SoftLabel> labels, String teacherId) {
        return labels.stream().filter(l -> l.getTeacherId().equals(teacherId))
                .collect(Collectors.groupingBy(SoftLabel::getRequestId, Collectors.counting()));
    }

    @Test
    void everyRequestGetsExactlyOneDenseSoftLabel(EmbeddedStack stack) throws Exception {
        try (ServiceFixture f = new ServiceFixture(stack)) {
            TeacherService service = f.start(f.settings(teacherA.id(), DeliveryGuarantee.EXACTLY_ONCE), teacherA);
            List<String> ids = f.produceRequests("r", 300);
            List<SoftLabel> labels = f.softLabels(l -> l.size() >= 300, WAIT);
            Map<String, Long> counts = countByRequest(labels, teacherA.id());
            assertEquals(new HashSet<>(ids), counts.keySet());
            assertTrue(counts.values().stream().allMatch(c -> c == 1), "one label per request: " + counts);
            for (SoftLabel label : labels) {
                assertEquals("fashion-mnist", label.getLabelSpace().getId());
                assertEquals(1, label.getLabelSpace().getVersion());
                assertEquals(teacherA.version(), label.getTeacherVersion());
                double sum = Arrays.stream(SoftTargets.probabilities(label.getTarget())).sum();
                assertEquals(1.0, sum, 1e-4);
                SoftTargets.validate(label.getTarget(), 10);
            }
            assertTrue(service.metrics().meanBatchSize() >= 1.0);
            assertEquals(300, service.metrics().labelledCount());
        }
    }

    @Test
    void badRecordsAreDeadLetteredWithReasonsAndTheServiceMovesOn(EmbeddedStack stack) throws Exception {
        try (ServiceFixture f = new ServiceFixture(stack)) {
            TeacherServiceSettings settings = f.settings(teacherA.id(), DeliveryGuarantee.EXACTLY_ONCE);
            TeacherService service = f.start(settings, teacherA);
            f.produceRequests("before", 20);
            float[] pixels = new float[28 * 28];
            f.produceValue("garbage", "{\"json\":true}".getBytes());
            f.produceValue("unknown-schema", new byte[] {0, 0x7f, 0x7f, 0x7f, 0x7f, 1, 2, 3});
            f.produceValue("empty", null);
            f.produceValue("wrong-shape", f.topics.requests().serializeValue(
                    ServiceFixture.request("wrong-shape", TensorCodec.encode(new float[100], 10, 10))));
            float[] nan = pixels.clone();
            nan[17] = Float.NaN;
            f.produceValue("nan", f.topics.requests().serializeValue(
                    ServiceFixture.request("nan", TensorCodec.encode(nan, 1, 28, 28))));
            Tensor half = Tensor.newBuilder(TensorCodec.encode(pixels, 1, 28, 28)).setDtype(DType.FLOAT16)
                    .setData(ByteBuffer.allocate(28 * 28 * 2).order(ByteOrder.LITTLE_ENDIAN)).build();
            f.produceValue("half", f.topics.requests().serializeValue(ServiceFixture.request("half", half)));
            f.flush();
            f.produceRequests("after", 20);

            List<DeadLetter> dead = f.deadLetters(l -> l.size() >= 6, WAIT);
            Map<String, String> reasonByKey = new HashMap<>();
            for (DeadLetter d : dead) {
                reasonByKey.put(new String(toBytes(d.getKey())), d.getReasonCode());
                assertTrue(d.getStage().startsWith("teacher-service/"), d.getStage());
                assertEquals(f.catalogue.requests(), d.getTopic());
            }
            assertEquals(Map.of(
                    "garbage", "UNKNOWN_MAGIC_BYTE",
                    "unknown-schema", "SCHEMA_NOT_FOUND",
                    "empty", "EMPTY_RECORD",
                    "wrong-shape", "INVALID_TENSOR_SHAPE",
                    "nan", "NON_FINITE_VALUE",
                    "half", "INVALID_TENSOR_DTYPE"), reasonByKey);

            List<SoftLabel> labels = f.softLabels(l -> l.size() >= 40, WAIT);
            assertEquals(40, countByRequest(labels, teacherA.id()).size(), "good records around bad ones are labelled");
            assertEquals(6, service.metrics().deadLetterCount());
            assertCommittedEverything(f, settings.groupId(), 46);
        }
    }

    private static void assertCommittedEverything(ServiceFixture f, String group, long total) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        long committed = 0;
        while (System.nanoTime() < deadline) {
            Map<TopicPartition, OffsetAndMetadata> offsets = f.stack.adminClient()
                    .listConsumerGroupOffsets(Map.of(group, new ListConsumerGroupOffsetsSpec()))
                    .partitionsToOffsetAndMetadata(group).get();
            // Under transactions each partition's log also holds commit markers; count records by re-reading instead.
            committed = offsets.values().stream().filter(o -> o != null).mapToLong(OffsetAndMetadata::offset).sum();
            if (committed >= total) {
                break;
            }
            Thread.sleep(200);
        }
        assertTrue(committed >= total, "the group committed past every record, bad ones included: " + committed);
    }

    private static byte[] toBytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    @Test
    void twoTeachersLabelEveryRequestIndependently(EmbeddedStack stack) throws Exception {
        try (ServiceFixture f = new ServiceFixture(stack)) {
            f.start(f.settings(teacherA.id(), DeliveryGuarantee.EXACTLY_ONCE), teacherA);
            f.start(f.settings(teacherB.id(), DeliveryGuarantee.EXACTLY_ONCE), teacherB);
            List<String> ids = f.produceRequests("r", 150);
            List<SoftLabel> labels = f.softLabels(l -> l.size() >= 300, WAIT);
            Map<String, Long> a = countByRequest(labels, teacherA.id());
            Map<String, Long> b = countByRequest(labels, teacherB.id());
            assertEquals(new HashSet<>(ids), a.keySet());
            assertEquals(new HashSet<>(ids), b.keySet());
            assertTrue(a.values().stream().allMatch(c -> c == 1) && b.values().stream().allMatch(c -> c == 1));
            Map<String, SoftLabel> byA = labels.stream().filter(l -> l.getTeacherId().equals(teacherA.id()))
                    .collect(Collectors.toMap(SoftLabel::getRequestId, Function.identity()));
            long differ = labels.stream().filter(l -> l.getTeacherId().equals(teacherB.id()))
                    .filter(l -> !l.getTarget().getDense().equals(byA.get(l.getRequestId()).getTarget().getDense()))
                    .count();
            assertTrue(differ > 100, "different teachers give different distributions: " + differ);
            assertNotEquals(teacherA.version(), teacherB.version());
        }
    }

    @Test
    void topKLabelsAndPredictionsAtLeastOnce(EmbeddedStack stack) throws Exception {
        try (ServiceFixture f = new ServiceFixture(stack)) {
            TeacherServiceSettings base = f.settings(teacherA.id(), DeliveryGuarantee.AT_LEAST_ONCE);
            TeacherServiceSettings settings = new TeacherServiceSettings(base.bootstrapServers(), Map.of(),
                    base.requestsTopic(), base.softLabelsTopic(), f.catalogue.responses(), base.deadLettersTopic(),
                    base.groupId(), base.transactionalId(), DeliveryGuarantee.AT_LEAST_ONCE, 16, Duration.ofMillis(5),
                    2, 512, Duration.ofMillis(100), SoftLabelForm.TOP_K, 3, 1.0, Duration.ZERO, Duration.ofSeconds(20));
            f.start(settings, teacherA);
            f.produceRequests("r", 100);
            List<SoftLabel> labels = f.softLabels(l -> l.size() >= 100, WAIT);
            assertEquals(100, countByRequest(labels, teacherA.id()).size());
            for (SoftLabel label : labels) {
                assertNotNull(label.getTarget().getTopK());
                assertEquals(3, label.getTarget().getTopK().getClassIds().size());
                double mass = Math.exp(label.getTarget().getTopK().getTailLogMass());
                for (float lp : label.getTarget().getTopK().getLogProbs()) {
                    mass += Math.exp(lp);
                }
                assertEquals(1.0, mass, 1e-4);
            }
            List<Prediction> predictions = f.predictions(l -> l.size() >= 100, WAIT);
            assertEquals(100, predictions.stream().map(Prediction::getRequestId).distinct().count());
            Map<String, Integer> argmax = labels.stream()
                    .collect(Collectors.toMap(SoftLabel::getRequestId, SoftLabel::getArgmax, (x, y) -> x));
            for (Prediction p : predictions) {
                assertEquals(argmax.get(p.getRequestId()).intValue(), p.getPredictedClass());
            }
        }
    }

    @Test
    void samplingLabelsOnlyTheChosenFraction(EmbeddedStack stack) throws Exception {
        try (ServiceFixture f = new ServiceFixture(stack)) {
            TeacherServiceSettings base = f.settings(teacherA.id(), DeliveryGuarantee.EXACTLY_ONCE);
            TeacherServiceSettings settings = new TeacherServiceSettings(base.bootstrapServers(), Map.of(),
                    base.requestsTopic(), base.softLabelsTopic(), null, base.deadLettersTopic(), base.groupId(),
                    base.transactionalId(), base.guarantee(), 16, Duration.ofMillis(5), 1, 512, Duration.ofMillis(100),
                    SoftLabelForm.DENSE, 5, 0.3, Duration.ZERO, Duration.ofSeconds(20));
            TeacherService service = f.start(settings, teacherA);
            List<String> ids = f.produceRequests("r", 200);
            RequestSampler sampler = new RequestSampler(0.3);
            Set<String> expected = new HashSet<>();
            for (int i = 0; i < ids.size(); i++) {
                Tensor input = TensorCodec.encode(ServiceFixture.images().images()[i], 1, 28, 28);
                if (sampler.accepts(TensorCodec.sampleKey(input))) {
                    expected.add(ids.get(i));
                }
            }
            List<SoftLabel> labels = f.softLabels(l -> l.size() >= expected.size(), WAIT);
            assertEquals(expected, countByRequest(labels, teacherA.id()).keySet());
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (service.metrics().sampledOutCount() < 200 - expected.size() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertEquals(200 - expected.size(), service.metrics().sampledOutCount());
        }
    }

    @Test
    void aSlowTeacherPausesTheConsumerInsteadOfBuffering(EmbeddedStack stack) throws Exception {
        try (ServiceFixture f = new ServiceFixture(stack)) {
            TeacherServiceSettings base = f.settings(teacherA.id(), DeliveryGuarantee.EXACTLY_ONCE);
            int maxInFlight = 16;
            TeacherServiceSettings settings = new TeacherServiceSettings(base.bootstrapServers(), Map.of(),
                    base.requestsTopic(), base.softLabelsTopic(), null, base.deadLettersTopic(), base.groupId(),
                    base.transactionalId(), base.guarantee(), 4, Duration.ofMillis(5), 1, maxInFlight,
                    Duration.ofMillis(100), SoftLabelForm.DENSE, 5, 1.0, Duration.ofMillis(150),
                    Duration.ofSeconds(20));
            f.produceRequests("r", 400);
            TeacherService service = f.start(settings, teacherA);
            List<SoftLabel> some = f.softLabels(l -> l.size() >= 40, WAIT);
            assertTrue(some.size() < 400, "the slow teacher is still busy");
            int bound = maxInFlight + settings.maxPollRecords();
            assertTrue(service.metrics().peakInFlight() <= bound,
                    "in-flight stayed bounded: peak " + service.metrics().peakInFlight() + " > " + bound);
            assertTrue(service.metrics().pauseCount() > 0, "the consumer paused");
        }
    }
}
