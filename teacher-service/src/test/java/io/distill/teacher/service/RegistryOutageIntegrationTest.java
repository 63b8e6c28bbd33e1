package io.distill.teacher.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.registry.HttpRegistryClient;
import io.distill.core.registry.RegistryClientConfig;
import io.distill.core.registry.TopicNameStrategy;
import io.distill.core.tensor.TensorCodec;
import io.distill.core.testing.EvolvedWriter;
import io.distill.core.testing.LogCapture;
import io.distill.schema.InferenceRequest;
import io.distill.schema.SoftLabel;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.RegistryProcess;
import io.distill.stack.StackOptions;
import io.distill.stack.junit.IntegrationTest;
import io.distill.teacher.TestTeachers;
import io.distill.teacher.model.TeacherModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The schema registry goes away for a while under a running teacher service with traffic. Records whose writer
 * schema the service has cached are labelled throughout; records written with a schema id it has never seen wait:
 * the registry client logs its retries with a growing backoff and the service re-reads the record. Once the registry
 * is back (same storage, same ids) everything produced during the outage is labelled, nothing is dead-lettered.
 */
@IntegrationTest
class RegistryOutageIntegrationTest {

    private static final Logger log = LoggerFactory.getLogger(RegistryOutageIntegrationTest.class);
    private static final Duration OUTAGE = Duration.ofSeconds(12);
    private static final Pattern RETRY = Pattern.compile("unreachable, retrying in (\\d+) ms");

    @Test
    void requestsProducedDuringAnOutageAreLabelledAfterItAndNoneIsDeadLettered(EmbeddedStack stack) throws Exception {
        TeacherModel teacher = TestTeachers.tiny("tiny-outage", 4);
        try (RegistryProcess registry = RegistryProcess.start(StackOptions.builder().build());
             LogCapture clientLog = new LogCapture(HttpRegistryClient.class);
             LogCapture serviceLog = new LogCapture(TeacherService.class)) {
            HttpRegistryClient client = new HttpRegistryClient(RegistryClientConfig.builder(registry.url())
                    .retryBackoff(Duration.ofMillis(100)).retryBackoffMax(Duration.ofSeconds(2))
                    .retryMaxWait(Duration.ofSeconds(4)).build());
            try (ServiceFixture f = new ServiceFixture(stack, client)) {
                TeacherService service = f.start(f.settings(teacher.id(), DeliveryGuarantee.EXACTLY_ONCE), teacher);
                List<String> ids = new ArrayList<>(f.produceRequests("before", 10));
                f.softLabelsNoSettle(l -> l.size() >= 10, Duration.ofSeconds(60));

                // A compatible writer schema the service has not seen yet: its records need the registry to decode.
                String subject = TopicNameStrategy.subject(f.catalogue.requests(), false);
                EvolvedWriter newer = new EvolvedWriter(InferenceRequest.getClassSchema(), InferenceRequest.class);
                Schema evolved = newer.schema();
                int evolvedId;
                try (HttpRegistryClient producerSide = HttpRegistryClient.create(registry.url())) {
                    evolvedId = producerSide.register(subject, evolved); // not through the service's client and cache
                }
                List<byte[]> unseen = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    String id = "outage-new-schema-" + i;
                    ids.add(id);
                    unseen.add(newer.write(evolvedId, ServiceFixture.request(id,
                            TensorCodec.encode(ServiceFixture.images().images()[i], 1, 28, 28))));
                }

                registry.stop();
                long outageStart = System.nanoTime();
                for (int i = 0; i < unseen.size(); i++) {
                    f.produceValue("outage-new-schema-" + i, unseen.get(i));
                }
                f.flush();
                int round = 0;
                while (System.nanoTime() - outageStart < OUTAGE.toNanos()) {
                    ids.addAll(f.produceRequests("outage-" + round++, 3));
                    Thread.sleep(1000);
                }
                registry.start();
                log.info("schema registry was down for {} ms", (System.nanoTime() - outageStart) / 1_000_000);

                List<SoftLabel> labels = f.softLabels(l -> l.size() >= ids.size(), Duration.ofSeconds(90));
                Set<String> labelled = labels.stream().map(SoftLabel::getRequestId).collect(Collectors.toSet());
                assertEquals(new HashSet<>(ids), labelled, "every request produced before, during and after the outage");
                assertEquals(ids.size(), labels.size(), "each once");
                assertEquals(0, service.metrics().deadLetterCount(), "an outage is never the record's fault");
                assertEquals(0, f.deadLetters(l -> false, Duration.ofSeconds(1)).size());

                List<Long> waits = new ArrayList<>();
                for (String line : clientLog.messages("WARN")) {
                    Matcher m = RETRY.matcher(line);
                    if (m.find()) {
                        waits.add(Long.parseLong(m.group(1)));
                    }
                }
                assertTrue(waits.size() >= 3, "the client logs its retries: " + clientLog.messages("WARN"));
                assertTrue(waits.stream().anyMatch(w -> w > waits.get(0)), "with a growing backoff: " + waits);
                assertTrue(serviceLog.messages("WARN").stream().anyMatch(l -> l.contains("cannot decode")
                        && l.contains("retrying")), "the service says it waits: " + serviceLog.messages("WARN"));

                // Same storage after the restart: the ids the services cached still name the same schemas.
                try (HttpRegistryClient fresh = HttpRegistryClient.create(registry.url())) {
                    assertEquals(evolved, fresh.schemaById(evolvedId));
                    assertEquals(evolvedId, fresh.register(subject, evolved));
                    assertEquals(evolvedId, fresh.register(subject, evolved), "registering again gives the same id");
                }
                log.info("registry outage: {} requests ({} with a schema id first seen during the outage), {} labelled,"
                        + " 0 dead letters; client retry waits {} ms", ids.size(), unseen.size(), labels.size(), waits);
            }
        } finally {
            teacher.close();
        }
    }
}
