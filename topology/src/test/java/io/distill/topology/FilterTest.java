package io.distill.topology;

import static io.distill.topology.testkit.Records.label;
import static io.distill.topology.testkit.Records.request;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.distill.topology.testkit.TopologyHarness;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FilterTest {

    private static void complete(TopologyHarness h, String id, long eventTime, double... p) {
        h.send(request(id, id.hashCode(), eventTime));
        h.send(label(id, "cnn-a", p));
        h.send(label(id, "cnn-b", p));
    }

    @Test
    void examplesBelowTheMinimumConfidenceAreFiltered() {
        try (TopologyHarness h = new TopologyHarness(Map.of("filter.min.confidence", "0.5"))) {
            complete(h, "sure", 1000, 0.98, 0.01, 0.01);
            complete(h, "unsure", 1000, 0.4, 0.3, 0.3);
            assertEquals(1, h.examples().size());
            assertEquals(1, h.dispositions().count("filtered.LOW_CONFIDENCE"));
            assertEquals(1, h.dispositions().count("example.train"));
        }
    }

    @Test
    void eachClassIsCappedPerSamplingWindow() {
        try (TopologyHarness h = new TopologyHarness(Map.of("sampling.class.cap", "2", "sampling.window.ms", "60000"))) {
            for (int i = 0; i < 5; i++) {
                complete(h, "a" + i, 1000 + i, 0.8, 0.1, 0.1);
            }
            complete(h, "b0", 1000, 0.1, 0.8, 0.1);
            complete(h, "a-next-window", 61_000, 0.8, 0.1, 0.1);
            assertEquals(4, h.examples().size());
            assertEquals(3, h.dispositions().count("filtered.CLASS_CAP"));
        }
    }

    @Test
    void theRateLimitAdmitsAtMostItsRatePerSecond() {
        try (TopologyHarness h = new TopologyHarness(Map.of("rate.limit.per.s", "3"))) {
            for (int i = 0; i < 10; i++) {
                complete(h, "r" + i, 1000, 0.8, 0.1, 0.1);
            }
            assertEquals(3, h.examples().size());
            assertEquals(7, h.dispositions().count("filtered.RATE_LIMIT"));
            h.advance(Duration.ofSeconds(1));
            for (int i = 10; i < 15; i++) {
                complete(h, "r" + i, 1000, 0.8, 0.1, 0.1);
            }
            assertEquals(3, h.examples().size(), "refilled by one second of wall clock");
        }
    }
}
