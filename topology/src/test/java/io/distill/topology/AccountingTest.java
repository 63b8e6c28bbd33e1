package io.distill.topology;

import static io.distill.topology.testkit.Records.label;
import static io.distill.topology.testkit.Records.request;
import static io.distill.topology.testkit.Records.truth;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.distill.topology.accounting.DispositionSummary;
import io.distill.topology.accounting.Outcome;
import io.distill.topology.testkit.Records;
import io.distill.topology.testkit.TopologyHarness;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Every request record ends in exactly one disposition, and the counts add up. */
class AccountingTest {

    @Test
    void dispositionsOfAMixedWorkloadAddUpToTheRequestsReceived() {
        Random random = new Random(7);
        int requests = 0;
        int train = 0;
        int held = 0;
        try (TopologyHarness h = new TopologyHarness(Map.of("holdout.fraction", "0.2", "filter.min.confidence", "0.2",
                "sampling.class.cap", "40"))) {
            for (int i = 0; i < 300; i++) {
                String id = "r" + i;
                int kind = random.nextInt(10);
                if (kind == 0) {
                    h.sendRawRequest(id, "garbage".getBytes(StandardCharsets.UTF_8));
                    requests++;
                    continue;
                }
                h.send(request(id, i, 1000 + i));
                requests++;
                if (kind == 1) {
                    h.send(request(id, i, 1000 + i));
                    requests++;
                }
                if (kind == 2) {
                    continue;
                }
                if (kind == 3) {
                    h.send(truth(id, 1, 2000));
                    continue;
                }
                double[] p = kind == 4 ? new double[] {0.34, 0.33, 0.33} : new double[] {0.1, 0.1, 0.8};
                p = random.nextBoolean() ? p : new double[] {p[2], p[0], p[1]};
                h.send(label(id, "cnn-a", p));
                if (kind == 5) {
                    h.send(label(id, "cnn-b", Records.space("fashion-mnist", 9, 3), p));
                } else if (kind != 6) {
                    h.send(label(id, "cnn-b", p));
                }
            }
            h.advance(Duration.ofSeconds(6));
            train = h.examples().size();
            held = h.holdout().size();
            DispositionSummary s = h.dispositions();
            assertEquals(requests, s.received());
            assertEquals(s.received(), s.decided(), "every request has a disposition: " + s.toJson());
            assertEquals(0, s.pending());
            assertEquals(train, s.count("example.train"));
            assertEquals(held, s.count("example.holdout"));
            long parts = s.total(Outcome.EXAMPLE) + s.total(Outcome.FILTERED) + s.total(Outcome.DUPLICATE)
                    + s.total(Outcome.DEAD_LETTERED);
            assertEquals(requests, parts);
            for (String key : new String[] {"filtered.NO_TEACHER", "filtered.LOW_CONFIDENCE", "filtered.CLASS_CAP",
                    "duplicate", "dead_lettered.UNKNOWN_MAGIC_BYTE", "dead_lettered.LABEL_SPACE_MISMATCH"}) {
                assertEquals(true, s.count(key) > 0, key + " occurs in this workload: " + s.toJson());
            }
        }
    }
}
