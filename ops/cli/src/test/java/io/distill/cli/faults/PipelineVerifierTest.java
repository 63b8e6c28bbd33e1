package io.distill.cli.faults;

import io.distill.cli.faults.PipelineEvidence.ExampleRef;
import io.distill.cli.faults.PipelineEvidence.SoftLabelRef;
import io.distill.schema.Architecture;
import io.distill.schema.CheckpointManifest;
import io.distill.schema.ContainerFormat;
import io.distill.schema.LabelSpace;
import io.distill.schema.OffsetRange;
import io.distill.schema.Precision;
import io.distill.topology.accounting.Outcome;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PipelineVerifierTest {

    private static final PipelineVerifier ALL_VERIFY = new PipelineVerifier(m -> { });

    /** A consistent run: three requests (one repeated), two teachers, two published versions. */
    private static Evidence clean() {
        Evidence e = new Evidence();
        e.requests.addAll(List.of("r1", "r2", "r3", "r3"));
        for (String id : List.of("r1", "r2", "r3")) {
            e.labels.add(new SoftLabelRef(id, "a"));
            e.labels.add(new SoftLabelRef(id, "b"));
        }
        e.decisions.put("r1", Outcome.EXAMPLE);
        e.decisions.put("r2", Outcome.FILTERED);
        e.decisions.put("r3", Outcome.EXAMPLE);
        e.examples.add(new ExampleRef("r1", false));
        e.examples.add(new ExampleRef("r3", false));
        e.examples.add(new ExampleRef("r3", true));
        e.counts.put("received", 4L);
        e.counts.put("example.train", 1L);
        e.counts.put("example.holdout", 1L);
        e.counts.put("filtered.NO_TEACHER", 1L);
        e.counts.put("duplicate", 1L);
        e.manifests.add(manifest(1, null, range(0, 0, 5), range(1, 0, 3)));
        e.manifests.add(manifest(2, 1L, range(0, 5, 9), range(1, 3, 3)));
        return e;
    }

    @Test
    void aConsistentRunPasses() {
        VerificationReport report = ALL_VERIFY.verify(clean().build());
        assertTrue(report.ok(), report::toString);
        assertEquals(3, report.requestsChecked());
        assertEquals(6, report.softLabelsChecked());
        assertEquals(4, report.dispositionsChecked());
        assertEquals(4, report.lineageRangesChecked());
        assertEquals(2, report.checkpointsVerified());
        assertEquals(0, report.duplicates());
        assertEquals(0, report.missing());
    }

    @Test
    void aMissingAndARepeatedSoftLabelAreFound() {
        Evidence e = clean();
        e.labels.remove(new SoftLabelRef("r2", "b"));
        e.labels.add(new SoftLabelRef("r1", "a"));
        VerificationReport report = ALL_VERIFY.verify(e.build());
        assertFalse(report.ok());
        assertEquals(1, report.missing());
        assertEquals(1, report.duplicates());
        assertTrue(report.problems().stream().anyMatch(p -> p.contains("r2") && p.contains("no soft label from b")), report::toString);
    }

    @Test
    void aRequestWithoutDispositionIsMissing() {
        Evidence e = clean();
        e.decisions.remove("r2");
        e.counts.put("filtered.NO_TEACHER", 0L);
        VerificationReport report = ALL_VERIFY.verify(e.build());
        assertFalse(report.ok());
        assertTrue(report.missing() >= 2, report::toString);
        assertTrue(report.problems().stream().anyMatch(p -> p.contains("r2 has no disposition")), report::toString);
    }

    @Test
    void anExampleOfAFilteredRequestAndASecondExampleAreDuplicates() {
        Evidence e = clean();
        e.examples.add(new ExampleRef("r2", false));
        e.examples.add(new ExampleRef("r1", false));
        VerificationReport report = ALL_VERIFY.verify(e.build());
        assertEquals(2, report.duplicates(), report::toString);
    }

    @Test
    void aDeadLetteredRequestCountsAsItsDisposition() {
        Evidence e = clean();
        e.requests.add("r4");
        e.deadLettered.add("r4");
        e.labels.add(new SoftLabelRef("r4", "a"));
        e.labels.add(new SoftLabelRef("r4", "b"));
        e.counts.put("received", 5L);
        e.counts.put("dead_lettered.UNDECODABLE", 1L);
        assertTrue(ALL_VERIFY.verify(e.build()).ok());

        e.decisions.put("r4", Outcome.FILTERED);
        VerificationReport twice = ALL_VERIFY.verify(e.build());
        assertTrue(twice.duplicates() >= 1, twice::toString);
    }

    @Test
    void countsThatDisagreeWithTheTopicsAreFound() {
        Evidence e = clean();
        e.counts.put("example.train", 2L);
        VerificationReport report = ALL_VERIFY.verify(e.build());
        assertFalse(report.ok());
        assertEquals(1, report.duplicates(), report::toString);
        assertTrue(report.problems().stream().anyMatch(p -> p.contains("EXAMPLE counted 3 times")), report::toString);
    }

    @Test
    void aGapAnOverlapAndABrokenChainInTheLineageAreFound() {
        Evidence gap = clean();
        gap.manifests.set(1, manifest(2, 1L, range(0, 6, 9), range(1, 3, 3)));
        VerificationReport g = ALL_VERIFY.verify(gap.build());
        assertEquals(1, g.missing(), g::toString);

        Evidence overlap = clean();
        overlap.manifests.set(1, manifest(2, 1L, range(0, 4, 9), range(1, 3, 3)));
        VerificationReport o = ALL_VERIFY.verify(overlap.build());
        assertEquals(1, o.duplicates(), o::toString);

        Evidence lateStart = clean();
        lateStart.manifests.set(0, manifest(1, null, range(0, 1, 5), range(1, 0, 3)));
        assertEquals(1, ALL_VERIFY.verify(lateStart.build()).missing());

        Evidence broken = clean();
        broken.manifests.set(1, manifest(3, 2L, range(0, 5, 9), range(1, 3, 3)));
        VerificationReport b = ALL_VERIFY.verify(broken.build());
        assertFalse(b.ok());
        assertTrue(b.problems().stream().anyMatch(p -> p.contains("has parent 2")), b::toString);
    }

    @Test
    void aVersionPublishedTwiceIsADuplicate() {
        Evidence e = clean();
        e.manifests.add(manifest(2, 1L, range(0, 5, 9), range(1, 3, 3)));
        VerificationReport report = new PipelineVerifier(m -> { }).verify(e.build());
        assertEquals(1, report.duplicates(), report::toString);
    }

    @Test
    void aCheckpointThatDoesNotVerifyIsReported() {
        PipelineVerifier verifier = new PipelineVerifier(m -> {
            if (m.getVersion() == 2) {
                throw new IllegalStateException("SHA-256 mismatch");
            }
        });
        VerificationReport report = verifier.verify(clean().build());
        assertFalse(report.ok());
        assertEquals(1, report.checkpointsVerified());
        assertTrue(report.problems().stream().anyMatch(p -> p.contains("v2 does not verify: SHA-256 mismatch")), report::toString);
    }

    private static final class Evidence {
        final List<String> requests = new ArrayList<>();
        final List<SoftLabelRef> labels = new ArrayList<>();
        final List<ExampleRef> examples = new ArrayList<>();
        final Map<String, Outcome> decisions = new HashMap<>();
        final Set<String> deadLettered = new java.util.HashSet<>();
        final Map<String, Long> counts = new TreeMap<>();
        final List<CheckpointManifest> manifests = new ArrayList<>();

        PipelineEvidence build() {
            return new PipelineEvidence(requests, Set.of("a", "b"), labels, examples, decisions, deadLettered, counts,
                    manifests, Map.of(0, 0L, 1, 0L));
        }
    }

    private static OffsetRange range(int partition, long from, long until) {
        return OffsetRange.newBuilder().setTopic("distill.examples").setPartition(partition)
                .setFromOffset(from).setUntilOffset(until).build();
    }

    private static CheckpointManifest manifest(long version, Long parent, OffsetRange... ranges) {
        return CheckpointManifest.newBuilder()
                .setModelName("m")
                .setVersion(version)
                .setParentVersion(parent)
                .setCreatedAt(Instant.EPOCH)
                .setArchitecture(Architecture.newBuilder().setFamily("mlp").setSpec("{}").setParameterCount(10).build())
                .setInputShape(List.of(784))
                .setLabelSpace(LabelSpace.newBuilder().setId("fashion-mnist").setVersion(1).setClassNames(List.of()).build())
                .setStep(version)
                .setSamplesSeen(version * 10)
                .setOffsets(List.of(ranges))
                .setFormat(ContainerFormat.newBuilder().setName("distill-ckpt").setVersion(1).setPrecision(Precision.FLOAT32).build())
                .setTotalBytes(1)
                .setSha256("00")
                .setBlobStore("kafka:distill.checkpoint-blobs")
                .setChunks(List.of())
                .setCodeVersion("test")
                .setConfigHash("00")
                .setSeed(1)
                .build();
    }
}
