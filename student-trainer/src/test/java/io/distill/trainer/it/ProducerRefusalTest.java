package io.distill.trainer.it;

import io.distill.core.config.DistillConfig;
import io.distill.core.transactions.ProducerRestartBudget;
import io.distill.schema.CheckpointManifest;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.junit.IntegrationTest;
import io.distill.trainer.config.TrainerSettings;
import io.distill.trainer.service.TrainerService;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The transaction coordinator refuses the trainer's producer between two publications (here another producer with the
 * same transactional id initialises and goes away, which bumps the epoch exactly as the coordinator's abort of a
 * timed-out transaction does after a long broker outage). The trainer replaces its producer, finds its refused
 * version not on the topic, and publishes it at the next attempt: the lineage stays one chain without gap or overlap.
 * Before, it stopped as if another trainer had taken over.
 */
@IntegrationTest
class ProducerRefusalTest {

    @Test
    void aRefusedPublicationIsRetriedWithANewProducer(EmbeddedStack stack) throws Exception {
        try (StreamFixture f = new StreamFixture(stack, "trainer-refused")) {
            String model = "fashion-refused";
            Map<String, String> config = f.trainerConfig(model);
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            TrainerService service = startAfterVersionOne(f, config, meters);
            Thread loop = loopOf(service);
            try {
                long before = service.publishedVersion();
                stack.fenceTransactionalId(transactionalId(config));
                f.sendTrain(3000, 6000, y -> y);

                StreamFixture.await("a publication after the refusal", Duration.ofMinutes(4),
                        () -> !service.isRunning() || service.publishedVersion() > before);
                assertTrue(service.isRunning(), "the trainer stopped after one refusal");
                assertFalse(service.stoppedByFencing());
                assertTrue(restarts(meters) >= 1, "the refused producer was replaced");
                List<CheckpointManifest> lineage = f.manifests(model);
                TrainerServiceTest.assertLineage(lineage);
                assertTrue(lineage.get(lineage.size() - 1).getVersion() > before, "published after the refusal");
            } finally {
                service.close();
                loop.join(30_000);
            }
        }
    }

    @Test
    void aTrainerRefusedAgainAndAgainStopsAsFenced(EmbeddedStack stack) throws Exception {
        try (StreamFixture f = new StreamFixture(stack, "trainer-usurped")) {
            String model = "fashion-usurped";
            Map<String, String> config = f.trainerConfig(model);
            config.put("trainer.publish.every.samples", "500");
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            TrainerService service = startAfterVersionOne(f, config, meters);
            Thread loop = loopOf(service);
            try {
                int sent = 3000;
                // Another trainer keeps taking the transactional id: every publication attempt is refused.
                for (int i = 0; i <= ProducerRestartBudget.DEFAULT_MAX && service.isRunning(); i++) {
                    stack.fenceTransactionalId(transactionalId(config));
                    f.sendTrain(sent, 1000, y -> y);
                    sent += 1000;
                    int round = i;
                    StreamFixture.await("refusal " + (i + 1), Duration.ofMinutes(3),
                            () -> !service.isRunning() || restarts(meters) > round);
                }
                StreamFixture.await("the trainer to stop", Duration.ofMinutes(2), () -> !service.isRunning());
                assertTrue(service.stoppedByFencing(), "stopped because it was fenced");
                assertEquals(ProducerRestartBudget.DEFAULT_MAX, restarts(meters),
                        "three replacements within the window, then the stop");
                TrainerServiceTest.assertLineage(f.manifests(model));
            } finally {
                service.close();
                loop.join(30_000);
            }
        }
    }

    /** Hold-out and 3,000 examples on the topics, the trainer started and its loop running until version 1. */
    private static TrainerService startAfterVersionOne(StreamFixture f, Map<String, String> config,
                                                       SimpleMeterRegistry meters) throws Exception {
        f.sendHoldout(1000);
        f.sendTrain(0, 3000, y -> y);
        TrainerService service = f.service(config, meters);
        service.start();
        return service;
    }

    private static Thread loopOf(TrainerService service) throws InterruptedException {
        Thread loop = new Thread(service, "trainer-loop");
        loop.start();
        StreamFixture.await("version 1", Duration.ofMinutes(4),
                () -> !service.isRunning() || service.publishedVersion() >= 1);
        return loop;
    }

    private static String transactionalId(Map<String, String> config) {
        return TrainerSettings.fromConfig(DistillConfig.of(config)).transactionalId();
    }

    private static int restarts(SimpleMeterRegistry meters) {
        return (int) meters.get("distill.trainer.producer.restarts").counter().count();
    }
}
