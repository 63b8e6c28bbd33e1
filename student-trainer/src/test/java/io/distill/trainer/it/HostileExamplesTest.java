package io.distill.trainer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.testing.DeadLetterTally;
import io.distill.core.testing.HostileInputs;
import io.distill.core.testing.HostileInputs.Input;
import io.distill.schema.CheckpointManifest;
import io.distill.schema.OffsetRange;
import io.distill.schema.Split;
import io.distill.schema.TrainingExample;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.junit.IntegrationTest;
import io.distill.trainer.service.TrainerService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hostile-input corpus on the trainer's examples and hold-out topics: every bad record is dead-lettered with its
 * reason and counted, the good examples after them are trained on, and the first published version's offsets reach
 * past every record, bad ones included.
 *
 * <p>The first bad record of each topic is dead-lettered by a different thread at about the same moment, so both
 * register the dead-letter schema at once: this test found that the registry answers the loser of that race with
 * 409, which the registry client once took for an incompatible schema (the record was then not dead-lettered).
 */
@IntegrationTest
class HostileExamplesTest {

    private static final Logger log = LoggerFactory.getLogger(HostileExamplesTest.class);
    private static final long SEED = 0x7a1e_e5L;

    @Test
    void badExamplesAreDeadLetteredAndTrainingGoesOn(EmbeddedStack stack) throws Exception {
        try (StreamFixture f = new StreamFixture(stack, "trainer-hostile")) {
            HostileInputs corpus = new HostileInputs(SEED);
            float[] image = new float[784];
            Arrays.fill(image, 0.5f);
            TrainingExample valid = StreamFixture.example("valid", Split.TRAIN, image, 3, 3);
            byte[] otherContract = f.topics.requests().serializeValue(io.distill.schema.InferenceRequest.newBuilder()
                    .setRequestId("r").setSourceId("s").setTask("fashion").setEventTime(valid.getEventTime())
                    .setInput(valid.getInput()).setMetadata(Map.of()).build());
            List<Input> examples = new ArrayList<>(corpus.wire("ex", f.topics.examples()::serializeValue, valid,
                    otherContract, false));
            examples.addAll(corpus.examples("ex", f.topics.examples()::serializeValue, valid));
            List<Input> holdout = new ArrayList<>(corpus.wire("ho", f.topics.holdout()::serializeValue,
                    TrainingExample.newBuilder(valid).setSplit(Split.HOLDOUT).build(), otherContract, false));
            holdout.addAll(corpus.examples("ho", f.topics.holdout()::serializeValue,
                    TrainingExample.newBuilder(valid).setSplit(Split.HOLDOUT).build()));
            log.info("hostile examples (seed {}): {} on examples, {} on hold-out", corpus.seed(), examples, holdout);

            f.sendHoldout(200);
            for (Input in : corpus.shuffled(holdout)) {
                f.sendRaw(f.topics.holdout().name(), in.key(), in.value());
            }
            for (Input in : corpus.shuffled(examples)) {
                f.sendRaw(f.topics.examples().name(), in.key(), in.value());
            }
            int good = 400;
            f.sendTrain(0, good, y -> y);

            Map<String, String> config = f.trainerConfig("fashion-hostile");
            config.put("trainer.input.shape", "784");
            config.put("trainer.replay.ratio", "0"); // samplesSeen then counts new examples only
            config.put("trainer.gate.min.holdout", "100");
            config.put("trainer.gate.first.version.after.samples", String.valueOf(good));
            config.put("trainer.publish.every.samples", String.valueOf(good));
            TrainerService service = f.service(config);
            service.start();
            Thread loop = new Thread(service, "trainer-loop");
            loop.start();
            try {
                List<Input> all = new ArrayList<>(examples);
                all.addAll(holdout);
                long bad = all.stream().filter(Input::deadLettered).count();
                assertEquals(all.size(), bad, "every hostile example is refused");
                DeadLetterTally tally = DeadLetterTally.read(stack.clientProperties(), f.topics.deadLetters().name(),
                        f.topics.deadLetters().valueDeserializer(), t -> t.size() >= bad, Duration.ofSeconds(90),
                        Duration.ofSeconds(1));
                Map<String, String> expected = new TreeMap<>(all.stream()
                        .collect(Collectors.toMap(Input::key, Input::expected)));
                assertEquals(expected, tally.reasonByKey(), "dead letters by key");
                tally.letters().forEach(d -> assertTrue(d.getStage().startsWith("student-trainer/"), d.getStage()));

                StreamFixture.await("the first published version", Duration.ofMinutes(2),
                        () -> service.publishedVersion() >= 1);
                assertEquals(bad, service.deadLettered());
                assertTrue(service.samplesSeen() >= good, "good examples after the corpus were trained on");
                CheckpointManifest v1 = f.manifests("fashion-hostile").get(0);
                try (Admin admin = Admin.create(stack.clientProperties())) {
                    Map<TopicPartition, OffsetSpec> ends = new java.util.HashMap<>();
                    for (OffsetRange r : v1.getOffsets()) {
                        ends.put(new TopicPartition(r.getTopic(), r.getPartition()), OffsetSpec.latest());
                    }
                    long end = 0;
                    long published = 0;
                    var latest = admin.listOffsets(ends).all().get();
                    for (OffsetRange r : v1.getOffsets()) {
                        published += r.getUntilOffset() - r.getFromOffset();
                        end += latest.get(new TopicPartition(r.getTopic(), r.getPartition())).offset();
                    }
                    // The hostile records came first on every partition: version 1's ranges hold all of them and
                    // the samples it trained on (a last partial batch may be left for the next version).
                    assertEquals(examples.size() + v1.getSamplesSeen(), published, "v1 ranges " + v1.getOffsets());
                    assertTrue(published <= end && end == examples.size() + good, "end offsets " + end);
                }
                log.info("trainer: {} hostile examples, {} hostile hold-out records; dead letters by reason {}",
                        examples.size(), holdout.size(), tally.countsByReason());
            } finally {
                service.close();
                loop.join(30_000);
            }
        }
    }
}
