package io.distill.trainer.it;

import io.distill.stack.EmbeddedStack;
import io.distill.stack.junit.IntegrationTest;
import io.distill.trainer.data.ExampleFeed;
import io.distill.trainer.data.MicroBatch;
import io.distill.trainer.data.RecordHandler;
import io.distill.trainer.data.Sample;
import io.distill.trainer.data.SampleConverter;
import io.distill.trainer.data.SerdeExampleDecoder;
import io.distill.trainer.data.WaitingSamples;
import io.distill.trainer.testdata.FashionSamples;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The prefetching feed on the real broker: late labels reach queued examples, and the backlog drains to 0. */
@IntegrationTest
class ExampleFeedTest {

    @Test
    void lateLabelsReachQueuedExamplesAndTheBacklogEndsAtZero(EmbeddedStack stack) throws Exception {
        try (StreamFixture f = new StreamFixture(stack, "feed-it")) {
            // train-1 and train-3 arrive without a label (odd ids); their labels follow in a later transaction.
            f.sendTrainInTransactions(0, 300, Map.of("train-1", 7, "train-3", 2));
            Map<String, Object> props = new HashMap<>(stack.clientProperties());
            props.put("isolation.level", "read_committed");
            props.put("enable.auto.commit", false);
            WaitingSamples waiting = new WaitingSamples();
            List<String> deadLetters = new CopyOnWriteArrayList<>();
            RecordHandler handler = new RecordHandler(new SerdeExampleDecoder(f.registry),
                    new SampleConverter(FashionSamples.labelSpace().getId().toString(),
                            FashionSamples.labelSpace().getVersion(), FashionSamples.CLASSES, FashionSamples.SHAPE),
                    (record, stage, reason, message) -> deadLetters.add(reason + ": " + message),
                    waiting::correct, "test", Duration.ofMillis(100));
            // Room for every batch: nothing is taken from the queue until the corrections have been read.
            try (ExampleFeed feed = new ExampleFeed(new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer()), f.topics.examples().name(), Map.of(), handler, 64, 16,
                    Duration.ofMillis(100), waiting)) {
                feed.start();
                StreamFixture.await("examples and corrections read", Duration.ofSeconds(30),
                        () -> handler.counts().samples() == 300 && handler.counts().corrections() == 2);
                StreamFixture.await("a backlog of the 300 queued examples", Duration.ofSeconds(10),
                        () -> feed.backlog() == 300);
                assertTrue(deadLetters.isEmpty(), deadLetters.toString());

                Map<String, Integer> labels = new HashMap<>();
                int taken = 0;
                while (taken < 300) {
                    Optional<MicroBatch> batch = feed.next(Duration.ofSeconds(10));
                    assertTrue(batch.isPresent(), "only " + taken + " examples came out");
                    for (Sample s : batch.get().samples()) {
                        labels.put(s.requestId(), s.hardLabel());
                    }
                    taken += batch.get().size();
                    feed.release(batch.get());
                }
                assertEquals(7, labels.get("train-1"));
                assertEquals(2, labels.get("train-3"));
                assertEquals(Sample.NO_LABEL, labels.get("train-5"));
                // Every record is trained; the commit markers after both transactions do not count.
                StreamFixture.await("a backlog of 0", Duration.ofSeconds(10), () -> feed.backlog() == 0);
                assertEquals(0, waiting.size());
            }
        }
    }
}
