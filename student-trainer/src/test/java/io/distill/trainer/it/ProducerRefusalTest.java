package io.distill.trainer.it;

import io.distill.core.config.DistillConfig;
import io.distill.schema.CheckpointManifest;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.junit.IntegrationTest;
import io.distill.trainer.config.TrainerSettings;
import io.distill.trainer.service.TrainerService;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

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
            f.sendHoldout(1000);
            f.sendTrain(0, 3000, y -> y);
            String model = "fashion-refused";
            Map<String, String> config = f.trainerConfig(model);
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            TrainerService service = f.service(config, meters);
            service.start();
            Thread loop = new Thread(service, "trainer-loop");
            loop.start();
            try {
                StreamFixture.await("version 1", Duration.ofMinutes(4), () -> service.publishedVersion() >= 1);
                long before = service.publishedVersion();

                usurp(stack, TrainerSettings.fromConfig(DistillConfig.of(config))
                        .transactionalId());
                f.sendTrain(3000, 6000, y -> y);

                StreamFixture.await("a publication after the refusal", Duration.ofMinutes(4),
                        () -> !service.isRunning() || service.publishedVersion() > before);
                assertTrue(service.isRunning(), "the trainer stopped after one refusal");
                assertFalse(service.stoppedByFencing());
                assertTrue(meters.get("distill.trainer.producer.restarts").counter().count() >= 1,
                        "the refused producer was replaced");
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
            f.sendHoldout(1000);
            f.sendTrain(0, 3000, y -> y);
            String model = "fashion-usurped";
            Map<String, String> config = f.trainerConfig(model);
            config.put("trainer.publish.every.samples", "500");
            String transactionalId = TrainerSettings.fromConfig(DistillConfig.of(config))
                    .transactionalId();
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            TrainerService service = f.service(config, meters);
            service.start();
            Thread loop = new Thread(service, "trainer-loop");
            loop.start();
            try {
                StreamFixture.await("version 1", Duration.ofMinutes(4), () -> service.publishedVersion() >= 1);
                int sent = 3000;
                // A trainer that keeps its transactional id busy: every publication attempt is refused.
                for (int i = 0; i <= 3 && service.isRunning(); i++) {
                    usurp(stack, transactionalId);
                    f.sendTrain(sent, 1000, y -> y);
                    sent += 1000;
                    int round = i;
                    StreamFixture.await("refusal " + (i + 1), Duration.ofMinutes(3), () -> !service.isRunning()
                            || meters.get("distill.trainer.producer.restarts").counter().count() > round);
                }
                StreamFixture.await("the trainer to stop", Duration.ofMinutes(2), () -> !service.isRunning());
                assertTrue(service.stoppedByFencing(), "stopped because it was fenced");
                assertEquals(3.0, meters.get("distill.trainer.producer.restarts").counter().count(),
                        "three replacements within the window, then the stop");
                TrainerServiceTest.assertLineage(f.manifests(model));
            } finally {
                service.close();
                loop.join(30_000);
            }
        }
    }

    /** Another producer with {@code transactionalId} initialises and goes away: the trainer's producer is refused. */
    private static void usurp(EmbeddedStack stack, String transactionalId) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        try (KafkaProducer<byte[], byte[]> usurper =
                     new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            usurper.initTransactions();
        }
    }
}
