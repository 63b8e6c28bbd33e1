package io.distill.topology;

import static io.distill.topology.testkit.Records.label;
import static io.distill.topology.testkit.Records.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.schema.TrainingExample;
import io.distill.topology.testkit.Records;
import io.distill.topology.testkit.TopologyHarness;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Canary values in non-allow-listed metadata must reach no byte of the training topics or changelogs. */
class PrivacyTest {

    private static final String CANARY = "CANARY-7f3a9c-secret-email@example.com";
    private static final String CANARY_KEY = "CANARY-KEY-user-email";

    static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    @Test
    void onlyAllowListedMetadataReachesExamplesHoldoutAndChangelogs() {
        try (TopologyHarness h = new TopologyHarness(Map.of("allowlist.metadata", "locale,device", "holdout.fraction", "0.5"))) {
            for (int i = 0; i < 20; i++) {
                String id = "r" + i;
                h.send(request(id, Records.input(i), 1000, Map.of("locale", "de-CH", "device", "phone",
                        "email", CANARY, CANARY_KEY, "x", "ip", CANARY + "-" + i)));
                h.send(Records.truth(id, 1, 1100));
                h.send(label(id, "cnn-a", 0.7, 0.2, 0.1));
                if (i % 2 == 0) {
                    h.send(label(id, "cnn-b", 0.7, 0.2, 0.1));
                }
            }
            h.advance(Duration.ofSeconds(6));
            List<String> topics = new ArrayList<>(List.of(h.config.examplesTopic(), h.config.holdoutTopic()));
            for (String topic : h.driver().producedTopicNames()) {
                if (topic.endsWith("-changelog")) {
                    topics.add(topic);
                }
            }
            assertTrue(topics.stream().anyMatch(t -> t.endsWith(DistillTopology.PENDING_STORE + "-changelog")),
                    "the pending store's changelog is checked too: " + topics);
            byte[] canary = CANARY.getBytes(StandardCharsets.UTF_8);
            byte[] canaryKey = CANARY_KEY.getBytes(StandardCharsets.UTF_8);
            byte[] source = "app-1".getBytes(StandardCharsets.UTF_8);
            int examples = 0;
            int records = 0;
            for (String topic : topics) {
                for (byte[] value : h.rawValues(topic)) {
                    if (value == null) {
                        continue;
                    }
                    records++;
                    assertFalse(contains(value, canary), "canary value in " + topic);
                    assertFalse(contains(value, canaryKey), "canary key in " + topic);
                    assertFalse(contains(value, source), "source id in " + topic);
                    if (topic.equals(h.config.examplesTopic()) || topic.equals(h.config.holdoutTopic())) {
                        TrainingExample e = h.serdes.examples().deserializer().deserialize(topic, value);
                        assertEquals(Map.of("locale", "de-CH", "device", "phone"), e.getMetadata());
                        examples++;
                    }
                }
            }
            assertEquals(20, examples);
            assertTrue(records > 40, "changelogs were read, " + records + " records");
            // the canary detector works: it finds the canary in the raw request bytes
            byte[] rawRequest = h.serdes.requests().serializer().serialize(h.config.requestsTopic(),
                    request("x", Records.input(1), 1, Map.of("email", CANARY)));
            assertTrue(contains(rawRequest, canary));
        }
    }
}
