package io.distill.topology;

import static io.distill.topology.testkit.Records.label;
import static io.distill.topology.testkit.Records.request;
import static io.distill.topology.testkit.Records.truth;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.schema.DeadLetter;
import io.distill.schema.ExampleKind;
import io.distill.schema.TrainingExample;
import io.distill.topology.accounting.DispositionSummary;
import io.distill.topology.config.TopologyConfig;
import io.distill.topology.testkit.Records;
import io.distill.topology.testkit.TopologyHarness;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.streams.TopologyDescription;
import org.junit.jupiter.api.Test;

/** Federated distillation: examples and hold-out go to their site's topics only, by the request's site metadata. */
class SiteRoutingTest {

    private static final Map<String, String> SITES = Map.of("topics.sites", "a,b", "allowlist.metadata", "locale");

    private static void answer(TopologyHarness h, String id, float seed, Map<String, String> metadata) {
        h.send(request(id, Records.input(seed), 1000, metadata));
        h.send(label(id, "cnn-a", 0.7, 0.2, 0.1));
        h.send(label(id, "cnn-b", 0.6, 0.3, 0.1));
    }

    private static Map<String, String> with(Map<String, String> base, String key, String value) {
        Map<String, String> m = new HashMap<>(base);
        m.put(key, value);
        return m;
    }

    @Test
    void eachExampleGoesToItsSitesTopicsAndNowhereElse() {
        try (TopologyHarness h = new TopologyHarness(with(SITES, "holdout.fraction", "0.5"))) {
            for (int i = 0; i < 40; i++) {
                answer(h, "r" + i, i, Map.of("site", i % 4 == 0 ? "b" : "a", "locale", "fr"));
            }
            var topics = h.config.topics();
            List<TrainingExample> aTrain = h.examplesOf(topics.siteExamples("a"));
            List<TrainingExample> aHold = h.examplesOf(topics.siteHoldout("a"));
            List<TrainingExample> bTrain = h.examplesOf(topics.siteExamples("b"));
            List<TrainingExample> bHold = h.examplesOf(topics.siteHoldout("b"));
            assertEquals(30, aTrain.size() + aHold.size());
            assertEquals(10, bTrain.size() + bHold.size());
            assertTrue(!aTrain.isEmpty() && !aHold.isEmpty(), "both splits of site a are used");
            for (TrainingExample e : aTrain) {
                assertEquals(Map.of("site", "a", "locale", "fr"), e.getMetadata(), "the site travels with the example");
            }
            Set<String> bIds = bTrain.stream().map(TrainingExample::getRequestId).collect(Collectors.toSet());
            bHold.forEach(e -> bIds.add(e.getRequestId()));
            for (int i = 0; i < 40; i += 4) {
                assertTrue(bIds.contains("r" + i), "r" + i);
            }
            assertTrue(h.examplesOf(topics.examples()).isEmpty(), "the shared examples topic gets nothing");
            assertTrue(h.examplesOf(topics.holdout()).isEmpty(), "the shared holdout topic gets nothing");
            DispositionSummary d = h.dispositions();
            assertEquals(40, d.received());
        }
    }

    @Test
    void aRequestWithoutOrWithAnUnknownSiteIsDeadLetteredWithItsReason() {
        try (TopologyHarness h = new TopologyHarness(SITES)) {
            answer(h, "none", 1, Map.of("locale", "fr"));
            answer(h, "other", 2, Map.of("site", "c"));
            answer(h, "fine", 3, Map.of("site", "a"));
            List<DeadLetter> letters = h.deadLetters();
            assertEquals(2, letters.size());
            for (DeadLetter letter : letters) {
                assertEquals("UNKNOWN_SITE", letter.getReasonCode());
                assertEquals(h.config.requestsTopic(), letter.getTopic());
            }
            assertTrue(letters.get(1).getReason().contains("'c'"), letters.get(1).getReason());
            assertEquals(1, h.examplesOf(h.config.topics().siteExamples("a")).size());
            assertEquals(2L, h.dispositions().count("dead_lettered.UNKNOWN_SITE"));
            // Their soft labels wait for a request that never comes: no example anywhere.
            assertTrue(h.examplesOf(h.config.topics().siteExamples("b")).isEmpty());
        }
    }

    @Test
    void aConfiguredDefaultSiteTakesRequestsWithoutASiteButNotUnknownSites() {
        try (TopologyHarness h = new TopologyHarness(with(SITES, "sites.default", "b"))) {
            answer(h, "none", 1, Map.of());
            answer(h, "other", 2, Map.of("site", "c"));
            List<TrainingExample> b = h.examplesOf(h.config.topics().siteExamples("b"));
            assertEquals(List.of("none"), b.stream().map(TrainingExample::getRequestId).toList());
            assertEquals("b", b.get(0).getMetadata().get("site"));
            assertEquals(List.of("UNKNOWN_SITE"), h.deadLetters().stream().map(DeadLetter::getReasonCode).toList());
        }
    }

    @Test
    void aLateLabelCorrectionFollowsItsExampleToItsSite() {
        try (TopologyHarness h = new TopologyHarness(with(SITES, "sites.metadata.key", "origin"))) {
            answer(h, "r1", 1, Map.of("origin", "b"));
            assertEquals(1, h.examplesOf(h.config.topics().siteExamples("b")).size());
            h.send(truth("r1", 2, 60_000));
            List<TrainingExample> corrections = h.examplesOf(h.config.topics().siteExamples("b"));
            assertEquals(1, corrections.size());
            assertEquals(ExampleKind.LABEL_CORRECTION, corrections.get(0).getKind());
            assertEquals(Map.of("origin", "b"), corrections.get(0).getMetadata());
            assertTrue(h.examplesOf(h.config.topics().siteExamples("a")).isEmpty());
        }
    }

    @Test
    void everySiteHasExplicitlyNamedSinksAndTheSharedSinksAreGone() {
        try (TopologyHarness h = new TopologyHarness(SITES)) {
            TopologyDescription description = DistillTopology.build(h.config, TopologyHarness.testSerdes(),
                    h.metrics).describe();
            Map<String, String> sinks = new HashMap<>();
            for (TopologyDescription.Subtopology sub : description.subtopologies()) {
                for (TopologyDescription.Node node : sub.nodes()) {
                    if (node instanceof TopologyDescription.Sink sink) {
                        sinks.put(sink.name(), sink.topic());
                    }
                }
            }
            assertEquals(Map.of(
                    "examples-site-a-sink", "distill.examples.site-a", "holdout-site-a-sink", "distill.holdout.site-a",
                    "examples-site-b-sink", "distill.examples.site-b", "holdout-site-b-sink", "distill.holdout.site-b",
                    DistillTopology.DEAD_LETTERS_SINK, "distill.dead-letters"), sinks);
        }
    }

    @Test
    void withUnlabelledEmittedARequestNoTeacherAnsweredGoesToItsSiteWithoutTargetOrLabel() {
        Map<String, String> emit = with(with(SITES, "sites.unlabelled", "emit"), "sites.unlabelled.label.space",
                "fashion-mnist:1");
        try (TopologyHarness h = new TopologyHarness(emit)) {
            h.send(request("u1", Records.input(1), 1000, Map.of("site", "b")));
            h.advance(java.time.Duration.ofSeconds(6));
            List<TrainingExample> out = h.examplesOf(h.config.topics().siteExamples("b"));
            assertEquals(1, out.size());
            TrainingExample e = out.get(0);
            assertEquals(ExampleKind.EXAMPLE, e.getKind());
            assertEquals(null, e.getTarget());
            assertEquals(null, e.getHardLabel());
            assertEquals("fashion-mnist", e.getLabelSpace().getId());
            assertEquals(1, e.getLabelSpace().getVersion());
            assertEquals(Map.of("site", "b"), e.getMetadata());
            assertEquals(1, h.dispositions().count("example.train"));
            // its ground truth, arriving later, follows it as a correction
            h.send(truth("u1", 2, 60_000));
            List<TrainingExample> corrections = h.examplesOf(h.config.topics().siteExamples("b"));
            assertEquals(1, corrections.size());
            assertEquals(ExampleKind.LABEL_CORRECTION, corrections.get(0).getKind());
            assertEquals(2, corrections.get(0).getHardLabel());
            assertTrue(h.examplesOf(h.config.topics().siteExamples("a")).isEmpty());
        }
        // hold-out needs a label: an unlabelled request of the hold-out split is still filtered
        try (TopologyHarness h = new TopologyHarness(with(emit, "holdout.fraction", "1"))) {
            h.send(request("u2", Records.input(2), 1000, Map.of("site", "a")));
            h.advance(java.time.Duration.ofSeconds(6));
            assertTrue(h.examplesOf(h.config.topics().siteHoldout("a")).isEmpty());
            assertEquals(1, h.dispositions().count("filtered.NO_TEACHER"));
        }
    }

    @Test
    void unlabelledExamplesAreEmittedOnlyToSitesAndUnderANamedLabelSpace() {
        Map<String, String> emit = Map.of("sites.unlabelled", "emit", "sites.unlabelled.label.space", "fashion-mnist:1");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TopologyConfig.from(emit));
        assertTrue(e.getMessage().contains("topics.sites"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> TopologyConfig.from(with(SITES, "sites.unlabelled", "emit")));
        assertTrue(e.getMessage().contains("sites.unlabelled.label.space"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TopologyConfig.from(with(SITES, "sites.unlabelled", "maybe")));
        assertTrue(TopologyConfig.from(SITES).unlabelledLabelSpace().isEmpty(), "filtered by default");
    }

    @Test
    void aDefaultSiteOutsideTheSitesIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TopologyConfig.from(with(SITES, "sites.default", "z")));
        assertTrue(e.getMessage().contains("sites.default"), e.getMessage());
    }
}
