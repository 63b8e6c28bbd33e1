package io.distill.trainer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.registry.HttpRegistryClient;
import io.distill.core.registry.RegistryClientConfig;
import io.distill.core.registry.TopicNameStrategy;
import io.distill.core.testing.DeadLetterTally;
import io.distill.core.testing.EvolvedWriter;
import io.distill.core.testing.LogCapture;
import io.distill.schema.Split;
import io.distill.schema.TrainingExample;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.RegistryProcess;
import io.distill.stack.StackOptions;
import io.distill.stack.junit.IntegrationTest;
import io.distill.trainer.data.RecordHandler;
import io.distill.trainer.service.TrainerService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The schema registry goes away for a while under a training trainer. Examples written with a schema id the trainer
 * has not seen wait: the registry client logs its retries with backoff, the record handler logs that it retries the
 * record. After the restart (same storage, same ids) every example is trained on and none is dead-lettered.
 */
@IntegrationTest
class TrainerRegistryOutageTest {

    private static final Logger log = LoggerFactory.getLogger(TrainerRegistryOutageTest.class);
    private static final Duration OUTAGE = Duration.ofSeconds(12);

    @Test
    void examplesWrittenDuringAnOutageAreTrainedOnAfterItAndNoneIsDeadLettered(EmbeddedStack stack) throws Exception {
        try (RegistryProcess registry = RegistryProcess.start(StackOptions.builder().build());
             LogCapture clientLog = new LogCapture(HttpRegistryClient.class);
             LogCapture handlerLog = new LogCapture(RecordHandler.class)) {
            HttpRegistryClient client = new HttpRegistryClient(RegistryClientConfig.builder(registry.url())
                    .retryBackoff(Duration.ofMillis(100)).retryBackoffMax(Duration.ofSeconds(2))
                    .retryMaxWait(Duration.ofSeconds(4)).build());
            try (StreamFixture f = new StreamFixture(stack, "trainer-outage", client)) {
                f.sendHoldout(100);
                f.sendTrain(0, 300, y -> y);
                Map<String, String> config = f.trainerConfig("fashion-outage");
                config.put("registry.url", registry.url());
                config.put("trainer.input.shape", "784");
                config.put("trainer.replay.ratio", "0"); // samplesSeen then counts new examples only
                config.put("trainer.gate.first.version.after.samples", "1000000");
                config.put("trainer.publish.every.samples", "1000000");
                TrainerService service = f.service(config);
                service.start();
                Thread loop = new Thread(service, "trainer-loop");
                loop.start();
                try {
                    StreamFixture.await("the first examples", Duration.ofMinutes(2), () -> service.samplesSeen() >= 300);

                    EvolvedWriter newer = new EvolvedWriter(TrainingExample.getClassSchema(), TrainingExample.class);
                    int newerId;
                    try (HttpRegistryClient producerSide = HttpRegistryClient.create(registry.url())) {
                        newerId = producerSide.register(TopicNameStrategy.subject(f.topics.examples().name(), false),
                                newer.schema());
                    }
                    float[] image = new float[784];
                    Arrays.fill(image, 0.3f);
                    List<byte[]> unseen = new ArrayList<>();
                    for (int i = 0; i < 50; i++) {
                        unseen.add(newer.write(newerId, StreamFixture.example("outage-" + i, Split.TRAIN, image, i % 10,
                                i % 10)));
                    }

                    registry.stop();
                    long outageStart = System.nanoTime();
                    for (int i = 0; i < unseen.size(); i++) {
                        f.sendRaw(f.topics.examples().name(), "outage-" + i, unseen.get(i));
                    }
                    int sent = 300 + unseen.size();
                    while (System.nanoTime() - outageStart < OUTAGE.toNanos()) {
                        f.sendTrain(sent - unseen.size(), 30, y -> y);
                        sent += 30;
                        Thread.sleep(1000);
                    }
                    registry.start();
                    log.info("schema registry was down for {} ms", (System.nanoTime() - outageStart) / 1_000_000);

                    int total = sent;
                    StreamFixture.await("every example trained on", Duration.ofMinutes(2),
                            () -> service.samplesSeen() >= total);
                    assertEquals(0, service.deadLettered(), "an outage is never the record's fault");
                    assertEquals(0, DeadLetterTally.read(stack.clientProperties(), f.topics.deadLetters().name(),
                            f.topics.deadLetters().valueDeserializer(), t -> false, Duration.ofSeconds(1),
                            Duration.ZERO).size());
                    long retries = clientLog.messages("WARN").stream()
                            .filter(l -> l.contains("unreachable, retrying in")).count();
                    assertTrue(retries >= 3, "the client logs its retries: " + clientLog.messages("WARN"));
                    assertTrue(handlerLog.messages("WARN").stream().anyMatch(l -> l.contains("failed transiently, retrying")),
                            "the trainer says it waits: " + handlerLog.messages("WARN"));
                    log.info("trainer registry outage: {} examples ({} with a schema id first seen during the outage), "
                            + "{} trained on, 0 dead letters, {} client retry lines", total, unseen.size(),
                            service.samplesSeen(), retries);
                } finally {
                    service.close();
                    loop.join(30_000);
                }
            }
        }
    }
}
