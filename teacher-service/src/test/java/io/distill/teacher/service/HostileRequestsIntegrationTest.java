package io.distill.teacher.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.deadletter.DeadLetterRecords;
import io.distill.core.deadletter.ReasonCode;
import io.distill.core.tensor.TensorCodec;
import io.distill.core.testing.DeadLetterTally;
import io.distill.core.testing.HostileInputs;
import io.distill.core.testing.HostileInputs.Input;
import io.distill.schema.DeadLetter;
import io.distill.schema.GroundTruth;
import io.distill.schema.InferenceRequest;
import io.distill.schema.SoftLabel;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.junit.IntegrationTest;
import io.distill.teacher.TestTeachers;
import io.distill.teacher.model.TeacherModel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hostile-input corpus on the requests topic of a running teacher service: every bad request ends as a dead
 * letter with its reason, the service keeps labelling the good requests around and after them, and its group commits
 * past every record.
 */
@IntegrationTest
class HostileRequestsIntegrationTest {

    private static final Logger log = LoggerFactory.getLogger(HostileRequestsIntegrationTest.class);
    private static final long SEED = 0x5eed_7eac_4e12L;

    @Test
    void everyHostileRequestIsDeadLetteredWithItsReasonAndGoodOnesFlow(EmbeddedStack stack) throws Exception {
        TeacherModel teacher = TestTeachers.tiny("tiny-hostile", 3);
        try (ServiceFixture f = new ServiceFixture(stack)) {
            TeacherServiceSettings settings = f.settings(teacher.id(), DeliveryGuarantee.EXACTLY_ONCE);
            TeacherService service = f.start(settings, teacher);
            HostileInputs corpus = new HostileInputs(SEED);
            InferenceRequest valid = ServiceFixture.request("hostile-valid",
                    TensorCodec.encode(ServiceFixture.images().images()[0], 1, 28, 28));
            byte[] otherContract = f.topics.groundTruth().serializeValue(GroundTruth.newBuilder()
                    .setRequestId("hostile-gt").setLabelSpaceId("fashion-mnist").setLabelSpaceVersion(1).setLabel(3)
                    .setSource("test").setLabelTime(Instant.now()).build());
            List<Input> inputs = new ArrayList<>(corpus.wire("hostile", f.topics.requests()::serializeValue, valid,
                    otherContract, false));
            // The teacher is stateless: a repeated request id is labelled again (the topology drops the repeat).
            // Huge but finite pixels overflow the network: its output is no distribution, so no label is sent.
            corpus.requests("hostile", f.topics.requests()::serializeValue, valid).stream()
                    .map(i -> i.expected().equals(HostileInputs.DUPLICATE) ? i.expecting(HostileInputs.ACCEPTED) : i)
                    .map(i -> i.name().equals("huge-pixels") ? i.expecting(ReasonCode.NON_FINITE_VALUE) : i)
                    .forEach(inputs::add);
            log.info("hostile requests (seed {}): {}", corpus.seed(), inputs);

            List<String> before = f.produceRequests("before", 10);
            f.produceValue(valid.getRequestId(), f.topics.requests().serializeValue(valid));
            for (Input in : corpus.shuffled(inputs)) {
                f.produceValue(in.key(), in.value());
            }
            f.flush();
            List<String> after = f.produceRequests("after", 20);

            long bad = inputs.stream().filter(Input::deadLettered).count();
            DeadLetterTally tally = DeadLetterTally.read(stack.clientProperties(), f.catalogue.deadLetters(),
                    f.topics.deadLetters().valueDeserializer(), t -> t.size() >= bad, Duration.ofSeconds(90),
                    Duration.ofSeconds(1));
            Map<String, String> expected = inputs.stream().filter(Input::deadLettered)
                    .collect(Collectors.toMap(Input::key, Input::expected));
            assertEquals(expected, tally.reasonByKey(), "dead letters by request key");
            Map<String, Long> byReason = inputs.stream().filter(Input::deadLettered)
                    .collect(Collectors.groupingBy(Input::expected, java.util.TreeMap::new, Collectors.counting()));
            assertEquals(byReason, tally.countsByReason());
            for (DeadLetter d : tally.letters()) {
                assertEquals("teacher-service/", d.getStage().substring(0, "teacher-service/".length()), d.getStage());
                assertEquals(f.catalogue.requests(), d.getTopic());
            }
            DeadLetter oversized = tally.of("hostile-oversized");
            assertTrue(oversized.getTruncated(), "an oversized value is cut in its dead letter");
            assertEquals(DeadLetterRecords.DEFAULT_MAX_VALUE_BYTES, oversized.getValue().remaining());
            assertTrue(oversized.getOriginalSize() > HostileInputs.OVERSIZED_BYTES);

            Set<String> good = new HashSet<>(before);
            good.addAll(after);
            good.add(valid.getRequestId());
            inputs.stream().filter(i -> i.expected().equals(HostileInputs.ACCEPTED)).map(Input::key).forEach(good::add);
            int labelsExpected = good.size() + 1; // the repeated request is labelled twice
            List<SoftLabel> labels = f.softLabels(l -> l.size() >= labelsExpected, Duration.ofSeconds(90));
            Map<String, Long> labelled = labels.stream()
                    .collect(Collectors.groupingBy(SoftLabel::getRequestId, HashMap::new, Collectors.counting()));
            assertEquals(good, labelled.keySet(), "exactly the good and accepted requests are labelled");
            assertEquals(labelsExpected, labels.size());
            for (SoftLabel l : labels) {
                for (double p : io.distill.core.softtarget.SoftTargets.probabilities(l.getTarget())) {
                    assertTrue(Double.isFinite(p), "a finite distribution for " + l.getRequestId());
                }
            }
            assertEquals(bad, service.metrics().deadLetterCount());

            long total = before.size() + after.size() + 1 + inputs.size();
            long committed = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            try (org.apache.kafka.clients.admin.Admin admin = stack.adminClient()) {
            while (System.nanoTime() < deadline && committed < total) {
                committed = admin
                        .listConsumerGroupOffsets(Map.of(settings.groupId(), new ListConsumerGroupOffsetsSpec()))
                        .partitionsToOffsetAndMetadata(settings.groupId()).get().values().stream()
                        .filter(o -> o != null).mapToLong(OffsetAndMetadata::offset).sum();
                Thread.sleep(200);
            }
            }
            assertTrue(committed >= total, "the group committed past every record, bad ones included: " + committed);
            log.info("teacher-service: {} hostile requests, dead letters by reason {}, {} labelled", inputs.size(),
                    tally.countsByReason(), labels.size());
        } finally {
            teacher.close();
        }
    }
}
