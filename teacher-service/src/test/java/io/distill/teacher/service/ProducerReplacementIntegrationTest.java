package io.distill.teacher.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.transactions.ProducerRestartBudget;
import io.distill.schema.SoftLabel;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.junit.IntegrationTest;
import io.distill.teacher.TestTeachers;
import io.distill.teacher.model.TeacherModel;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The transaction coordinator refuses the service's producer mid-stream (here: another producer with the same
 * transactional id initialises and goes away, which bumps the epoch exactly as the coordinator's abort of a timed-out
 * transaction does after a long broker outage). The service replaces its producer, re-reads what it had not committed,
 * and every request still gets exactly one committed soft label; before, it stopped.
 */
@IntegrationTest
class ProducerReplacementIntegrationTest {

    private static final int REQUESTS = 600;

    @Test
    void aRefusedProducerIsReplacedAndEveryRequestIsLabelledOnce(EmbeddedStack stack) throws Exception {
        try (TeacherModel teacher = TestTeachers.tiny("tiny-a", 1); ServiceFixture f = new ServiceFixture(stack)) {
            TeacherServiceSettings base = f.settings(teacher.id(), DeliveryGuarantee.EXACTLY_ONCE);
            // small, slowed batches: the stream takes several seconds, so the refusal lands in the middle of it
            TeacherServiceSettings settings = new TeacherServiceSettings(base.bootstrapServers(), base.kafkaProperties(),
                    base.requestsTopic(), base.softLabelsTopic(), base.responsesTopic(), base.deadLettersTopic(),
                    base.groupId(), base.transactionalId(), base.guarantee(), 4, base.maxBatchWait(), 1,
                    base.maxInFlight(), base.commitInterval(), base.form(), base.topK(), base.sampleFraction(),
                    Duration.ofMillis(30), base.shutdownTimeout());
            TeacherService service = f.start(settings, teacher);
            List<String> ids = f.produceRequests("r", REQUESTS);
            f.softLabelsNoSettle(l -> l.size() >= 100, Duration.ofSeconds(60));

            stack.fenceTransactionalId(settings.transactionalId()); // bumps the epoch: the service's producer is refused from now on

            List<SoftLabel> labels = f.softLabels(l -> l.size() >= REQUESTS, Duration.ofSeconds(120));
            Map<String, Long> counts = labels.stream()
                    .collect(Collectors.groupingBy(l -> l.getRequestId().toString(), Collectors.counting()));
            assertEquals(new HashSet<>(ids), counts.keySet(), "every request labelled");
            List<String> twice = counts.entrySet().stream().filter(e -> e.getValue() != 1).map(Map.Entry::getKey)
                    .toList();
            assertTrue(twice.isEmpty(), "no request labelled twice: " + twice);
            assertTrue(service.metrics().producerRestartCount() >= 1, "the refused producer was replaced");
            assertTrue(service.isReady(), "the service still serves");
            assertFalse(service.stoppedByRefusal());
        }
    }

    @Test
    void aServiceRefusedAgainAndAgainStopsAndSaysWhy(EmbeddedStack stack) throws Exception {
        try (TeacherModel teacher = TestTeachers.tiny("tiny-a", 1); ServiceFixture f = new ServiceFixture(stack)) {
            TeacherServiceSettings settings = f.settings(teacher.id(), DeliveryGuarantee.EXACTLY_ONCE);
            TeacherService service = f.start(settings, teacher);
            int labelled = 0;
            for (int i = 0; i <= ProducerRestartBudget.DEFAULT_MAX && !service.stoppedByRefusal(); i++) {
                f.produceRequests("round" + i, 20);
                labelled += 20;
                int expected = labelled;
                f.softLabelsNoSettle(l -> l.size() >= expected, Duration.ofSeconds(60));
                stack.fenceTransactionalId(settings.transactionalId());
                f.produceRequests("after" + i, 1); // work that makes the service use its producer again
                labelled += i < ProducerRestartBudget.DEFAULT_MAX ? 1 : 0;
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                int round = i;
                while (service.metrics().producerRestartCount() < round + 1 && !service.stoppedByRefusal()
                        && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
            }
            assertEquals(ProducerRestartBudget.DEFAULT_MAX, service.metrics().producerRestartCount());
            assertTrue(service.stoppedByRefusal(), "a fourth refusal within the window stops the service");
        }
    }
}
