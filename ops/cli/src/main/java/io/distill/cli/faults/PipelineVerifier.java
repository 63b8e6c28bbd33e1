package io.distill.cli.faults;

import io.distill.schema.CheckpointManifest;
import io.distill.schema.OffsetRange;
import io.distill.topology.accounting.Outcome;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Checks what the topics of a run hold against the system's guarantees, whatever happened during the run:
 * <ul>
 *   <li>every request has exactly one soft label from each teacher;</li>
 *   <li>every request record has exactly one disposition: one decision (example, filtered, dead-lettered) per
 *       request id plus {@code duplicate} for every repeated record, an example record exactly for the requests
 *       decided {@code example}, and disposition counts that add up to the request records;</li>
 *   <li>the published checkpoint lineage is one chain (each version's parent is the one before) whose consumed
 *       offset ranges join without gap or overlap per partition, from the partition's first offset;</li>
 *   <li>every published checkpoint verifies ({@link CheckpointCheck}).</li>
 * </ul>
 */
public final class PipelineVerifier {

    /** Verifies one published checkpoint: fetch its blob, check sizes and SHA-256, load it. */
    @FunctionalInterface
    public interface CheckpointCheck {
        void verify(CheckpointManifest manifest) throws Exception;
    }

    private final CheckpointCheck checkpointCheck;

    public PipelineVerifier(CheckpointCheck checkpointCheck) {
        this.checkpointCheck = checkpointCheck;
    }

    public VerificationReport verify(PipelineEvidence evidence) {
        VerificationReport report = new VerificationReport();
        Set<String> requests = new HashSet<>(evidence.requestIds());
        report.requestsChecked = requests.size();
        checkSoftLabels(evidence, requests, report);
        checkDispositions(evidence, requests, report);
        checkLineage(evidence, report);
        checkCheckpoints(evidence, report);
        return report;
    }

    private static void checkSoftLabels(PipelineEvidence evidence, Set<String> requests, VerificationReport report) {
        Map<String, Map<String, Integer>> labels = new HashMap<>();
        Map<String, List<String>> copies = new HashMap<>();
        for (PipelineEvidence.SoftLabelRef label : evidence.softLabels()) {
            report.softLabelsChecked++;
            if (!requests.contains(label.requestId())) {
                report.problem("soft label of %s for unknown request %s", label.teacherId(), label.requestId());
                continue;
            }
            labels.computeIfAbsent(label.requestId(), k -> new HashMap<>()).merge(label.teacherId(), 1, Integer::sum);
            copies.computeIfAbsent(label.requestId() + " " + label.teacherId(), k -> new ArrayList<>()).add(label.where());
        }
        for (String id : requests) {
            Map<String, Integer> byTeacher = labels.getOrDefault(id, Map.of());
            for (String teacher : evidence.teachers()) {
                int n = byTeacher.getOrDefault(teacher, 0);
                if (n == 0) {
                    report.missing("request %s has no soft label from %s", id, teacher);
                } else if (n > 1) {
                    for (int i = 1; i < n; i++) {
                        report.duplicate("request %s has %d soft labels from %s %s", id, n, teacher,
                                copies.get(id + " " + teacher));
                    }
                }
            }
            for (String teacher : byTeacher.keySet()) {
                if (!evidence.teachers().contains(teacher)) {
                    report.problem("request %s has a soft label from unexpected teacher %s", id, teacher);
                }
            }
        }
    }

    private static void checkDispositions(PipelineEvidence evidence, Set<String> requests, VerificationReport report) {
        Map<String, Integer> examples = new HashMap<>();
        Map<String, Integer> corrections = new HashMap<>();
        for (PipelineEvidence.ExampleRef example : evidence.examples()) {
            if (!requests.contains(example.requestId())) {
                report.problem("example record for unknown request %s", example.requestId());
                continue;
            }
            (example.correction() ? corrections : examples).merge(example.requestId(), 1, Integer::sum);
        }
        Map<Outcome, Long> decided = new LinkedHashMap<>();
        for (String id : requests) {
            Outcome outcome = evidence.decisions().get(id);
            boolean deadLettered = evidence.deadLetteredRequests().contains(id);
            if (outcome == null && !deadLettered) {
                report.missing("request %s has no disposition", id);
            } else if (outcome != null && deadLettered) {
                report.duplicate("request %s was both decided %s and dead-lettered", id, outcome);
            }
            Outcome effective = outcome != null ? outcome : deadLettered ? Outcome.DEAD_LETTERED : null;
            if (effective != null) {
                decided.merge(effective, 1L, Long::sum);
            }
            int n = examples.getOrDefault(id, 0);
            if (effective == Outcome.EXAMPLE && n == 0) {
                report.missing("request %s was decided example but no example record exists", id);
            } else if (effective == Outcome.EXAMPLE && n > 1) {
                for (int i = 1; i < n; i++) {
                    report.duplicate("request %s has %d example records", id, n);
                }
            } else if (effective != Outcome.EXAMPLE && n > 0) {
                for (int i = 0; i < n; i++) {
                    report.duplicate("request %s was decided %s yet has %d example records", id, effective, n);
                }
            }
            int c = corrections.getOrDefault(id, 0);
            if (c > 0 && effective != Outcome.EXAMPLE) {
                report.problem("request %s has a label correction but was decided %s", id, effective);
            }
            for (int i = 1; i < c; i++) {
                report.duplicate("request %s has %d label corrections", id, c);
            }
        }
        checkDispositionCounts(evidence, requests, decided, report);
    }

    /** The topology's exactly-once counts must match the records and the per-request decisions. */
    private static void checkDispositionCounts(PipelineEvidence evidence, Set<String> requests,
                                               Map<Outcome, Long> decided, VerificationReport report) {
        long records = evidence.requestIds().size();
        Map<String, Long> counts = evidence.dispositionCounts();
        long received = counts.getOrDefault("received", 0L);
        Map<Outcome, Long> counted = new LinkedHashMap<>();
        long dispositions = 0;
        for (Map.Entry<String, Long> e : counts.entrySet()) {
            if (e.getKey().equals("received")) {
                continue;
            }
            dispositions += e.getValue();
            String outcome = e.getKey().contains(".") ? e.getKey().substring(0, e.getKey().indexOf('.')) : e.getKey();
            counted.merge(Outcome.valueOf(outcome.toUpperCase(Locale.ROOT)), e.getValue(), Long::sum);
        }
        report.dispositionsChecked = dispositions;
        if (received != records) {
            report.problem("the topology counted %d request records received, the requests topic holds %d", received, records);
        }
        if (dispositions < records) {
            report.missing("%d request records but only %d dispositions counted", records, dispositions);
        } else if (dispositions > records) {
            report.duplicate("%d request records but %d dispositions counted", records, dispositions);
        }
        long repeated = records - requests.size();
        Map<Outcome, Long> expected = new LinkedHashMap<>(decided);
        if (repeated > 0) {
            expected.put(Outcome.DUPLICATE, repeated);
        }
        for (Outcome outcome : Outcome.values()) {
            long want = expected.getOrDefault(outcome, 0L);
            long got = counted.getOrDefault(outcome, 0L);
            if (want != got) {
                report.problem("disposition counts: %s counted %d times, the topics show %d", outcome, got, want);
            }
        }
    }

    private static void checkLineage(PipelineEvidence evidence, VerificationReport report) {
        Map<String, List<CheckpointManifest>> byModel = new TreeMap<>();
        for (CheckpointManifest m : evidence.manifests()) {
            byModel.computeIfAbsent(m.getModelName().toString(), k -> new ArrayList<>()).add(m);
        }
        byModel.forEach((model, manifests) -> {
            Set<Long> seen = new HashSet<>();
            List<CheckpointManifest> chain = new ArrayList<>();
            for (CheckpointManifest m : manifests) {
                if (!seen.add(m.getVersion())) {
                    report.duplicate("%s v%d was published twice", model, m.getVersion());
                } else {
                    chain.add(m);
                }
            }
            chain.sort(Comparator.comparingLong(CheckpointManifest::getVersion));
            Map<String, Long> next = new HashMap<>();
            Long previous = null;
            for (CheckpointManifest m : chain) {
                if (previous != null && (m.getParentVersion() == null || m.getParentVersion() != previous.longValue())) {
                    report.problem("%s v%d has parent %s, the version before it is v%d", model, m.getVersion(),
                            m.getParentVersion(), previous);
                }
                for (OffsetRange r : m.getOffsets()) {
                    report.lineageRangesChecked++;
                    String tp = r.getTopic() + "-" + r.getPartition();
                    long expected = next.getOrDefault(tp, evidence.examplesStart().getOrDefault(r.getPartition(), 0L));
                    if (r.getFromOffset() > r.getUntilOffset()) {
                        report.problem("%s v%d: range [%d, %d) of %s is reversed", model, m.getVersion(),
                                r.getFromOffset(), r.getUntilOffset(), tp);
                    }
                    if (r.getFromOffset() > expected) {
                        report.missing("%s v%d: %s resumes at %d, the previous range ended at %d (gap)", model,
                                m.getVersion(), tp, r.getFromOffset(), expected);
                    } else if (r.getFromOffset() < expected) {
                        report.duplicate("%s v%d: %s resumes at %d, the previous range ended at %d (overlap)", model,
                                m.getVersion(), tp, r.getFromOffset(), expected);
                    }
                    next.put(tp, r.getUntilOffset());
                }
                previous = m.getVersion();
            }
        });
    }

    private void checkCheckpoints(PipelineEvidence evidence, VerificationReport report) {
        for (CheckpointManifest m : evidence.manifests()) {
            try {
                checkpointCheck.verify(m);
                report.checkpointsVerified++;
            } catch (Exception e) {
                report.problem("%s v%d does not verify: %s", m.getModelName(), m.getVersion(), e.getMessage());
            }
        }
    }
}
