package io.distill.cli.faults;

import io.distill.schema.CheckpointManifest;
import io.distill.topology.accounting.Outcome;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the topics say about one run, reduced to what {@link PipelineVerifier} checks: every request record, every
 * soft label, every training example, the topology's decisions and disposition counts (from its changelogs), the
 * dead letters of request records, and the committed checkpoint manifests. {@link EvidenceReader} reads it from a
 * broker with {@code read_committed}.
 *
 * @param requestIds          the key of every request record, in topic order (a repeated id is a duplicate record)
 * @param teachers            the teachers every sampled request must have one soft label from
 * @param softLabels          every soft label record
 * @param examples            every record of the examples and holdout topics
 * @param decisions           the newest decision per request id in the topology's {@code decided-requests} changelog
 * @param deadLetteredRequests request ids whose request record was dead-lettered (undecodable or invalid)
 * @param dispositionCounts   the newest value of every key of the {@code dispositions} changelog, summed over partitions
 *                            ({@code received} and one key per disposition, e.g. {@code example.train})
 * @param manifests           every committed, non-tombstone manifest of the checkpoints topic, in topic order
 * @param examplesStart       the first offset of each partition of the examples topic (its log start offset)
 */
public record PipelineEvidence(
        List<String> requestIds,
        Set<String> teachers,
        List<SoftLabelRef> softLabels,
        List<ExampleRef> examples,
        Map<String, Outcome> decisions,
        Set<String> deadLetteredRequests,
        Map<String, Long> dispositionCounts,
        List<CheckpointManifest> manifests,
        Map<Integer, Long> examplesStart) {

    /**
     * One soft label: which request it answers, which teacher gave it, and where it was read (partition, offset and
     * the teacher's production time, to tell the copies of a duplicate apart; empty where unknown).
     */
    public record SoftLabelRef(String requestId, String teacherId, String where) {
        public SoftLabelRef(String requestId, String teacherId) {
            this(requestId, teacherId, "");
        }
    }

    /** One record of examples or holdout; {@code correction} for a late label's {@code LABEL_CORRECTION}. */
    public record ExampleRef(String requestId, boolean correction) {
    }
}
