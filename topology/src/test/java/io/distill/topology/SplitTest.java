package io.distill.topology;

import static io.distill.topology.testkit.Records.label;
import static io.distill.topology.testkit.Records.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.schema.Split;
import io.distill.schema.TrainingExample;
import io.distill.topology.policy.HoldoutSplitter;
import io.distill.topology.testkit.TopologyHarness;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SplitTest {

    private static void complete(TopologyHarness h, String id, float seed) {
        h.send(request(id, seed, 1000));
        h.send(label(id, "cnn-a", 0.7, 0.2, 0.1));
        h.send(label(id, "cnn-b", 0.7, 0.2, 0.1));
    }

    @Test
    void theSameInputLandsInTheSameSplitUnderNewRequestIds() {
        Map<String, Split> first = new HashMap<>();
        try (TopologyHarness h = new TopologyHarness(Map.of("holdout.fraction", "0.3"))) {
            for (int i = 0; i < 200; i++) {
                complete(h, "a-" + i, i);
            }
            h.examples().forEach(e -> first.put(e.getSampleKey(), e.getSplit()));
            h.holdout().forEach(e -> first.put(e.getSampleKey(), e.getSplit()));
            assertEquals(200, first.size());
            // a replay of the same inputs under new request ids, in another application instance
        }
        try (TopologyHarness h = new TopologyHarness(Map.of("holdout.fraction", "0.3"))) {
            for (int i = 199; i >= 0; i--) {
                complete(h, "replayed-" + i, i);
            }
            List<TrainingExample> train = h.examples();
            List<TrainingExample> held = h.holdout();
            assertEquals(200, train.size() + held.size());
            train.forEach(e -> assertEquals(first.get(e.getSampleKey()), Split.TRAIN));
            held.forEach(e -> assertEquals(first.get(e.getSampleKey()), Split.HOLDOUT));
            assertTrue(held.size() > 30 && held.size() < 90, "about 30% held out, got " + held.size());
            assertTrue(train.stream().allMatch(e -> e.getSplit() == Split.TRAIN), "the training topic holds only TRAIN");
            assertTrue(held.stream().allMatch(e -> e.getSplit() == Split.HOLDOUT));
        }
    }

    @Test
    void anExplicitSampleKeyDecidesTheSplit() {
        HoldoutSplitter splitter = new HoldoutSplitter(0.5);
        String key = "customer-photo-42";
        Split expected = splitter.splitOf(key);
        try (TopologyHarness h = new TopologyHarness(Map.of("holdout.fraction", "0.5"))) {
            for (int i = 0; i < 20; i++) {
                var r = request("k-" + i, i, 1000);
                r.setSampleKey(key);
                h.send(r);
                h.send(label("k-" + i, "cnn-a", 0.7, 0.2, 0.1));
                h.send(label("k-" + i, "cnn-b", 0.7, 0.2, 0.1));
            }
            int train = h.examples().size();
            int held = h.holdout().size();
            assertEquals(expected == Split.TRAIN ? 20 : 0, train);
            assertEquals(expected == Split.HOLDOUT ? 20 : 0, held);
        }
    }

    @Test
    void positionsAreUniformAndStable() {
        assertEquals(HoldoutSplitter.position("abc"), HoldoutSplitter.position("abc"));
        int below = 0;
        for (int i = 0; i < 10_000; i++) {
            double p = HoldoutSplitter.position("key-" + i);
            assertTrue(p >= 0 && p < 1);
            if (p < 0.1) {
                below++;
            }
        }
        assertTrue(below > 850 && below < 1150, "about 10% below 0.1, got " + below);
    }
}
