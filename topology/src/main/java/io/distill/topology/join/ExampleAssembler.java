package io.distill.topology.join;

import io.distill.core.deadletter.DeadLetterRecords;
import io.distill.core.deadletter.ReasonCode;
import io.distill.core.tensor.TensorCodec;
import io.distill.schema.DeadLetter;
import io.distill.schema.ExampleKind;
import io.distill.schema.GroundTruth;
import io.distill.schema.InferenceRequest;
import io.distill.schema.LabelSpace;
import io.distill.schema.SoftLabel;
import io.distill.schema.Split;
import io.distill.schema.TrainingExample;
import io.distill.topology.DistillTopology;
import io.distill.topology.accounting.Disposition;
import io.distill.topology.accounting.DispositionLedger;
import io.distill.topology.accounting.FilterReason;
import io.distill.topology.accounting.Outcome;
import io.distill.topology.config.TopologyConfig;
import io.distill.topology.metrics.TopologyMetrics;
import io.distill.topology.policy.EnsembledTarget;
import io.distill.topology.policy.ExampleSampler;
import io.distill.topology.policy.HoldoutSplitter;
import io.distill.topology.policy.LabelSpaceMismatchException;
import io.distill.topology.policy.MetadataAllowList;
import io.distill.topology.policy.SiteRouter;
import io.distill.topology.policy.TeacherEnsembler;
import io.distill.topology.state.DecidedRequest;
import io.distill.topology.state.PendingJoin;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Joins each request with its teachers' soft labels and its ground truth by request id, and decides
 * it exactly once.
 *
 * <ul>
 *   <li>Any part may arrive first; the pending store holds what has arrived.
 *   <li>A request is decided as soon as every expected teacher answered, or by a wall-clock
 *       punctuator {@code ensemble.timeout.ms} after the request arrived, with the teachers that
 *       did (wall-clock, because stream time stalls at the end of a finite replay).
 *   <li>Decision: label spaces must agree (else dead letter); teachers are combined in probability
 *       space; a request no teacher answered becomes a hard-label-only example when its ground
 *       truth is there, and is filtered {@code NO_TEACHER} otherwise (with {@code sites.unlabelled=emit} a
 *       train-split one is emitted to its site without target or label instead, for codistilling site trainers,
 *       and later ground truth becomes a correction as for any example); then the confidence filter,
 *       class cap and rate limit; then the hold-out split by sample key.
 *   <li>The decided store remembers each request id for {@code dedup.retention.ms}: a repeat is a
 *       duplicate, and ground truth for an emitted example becomes a {@code LABEL_CORRECTION} while
 *       within {@code labels.window.ms} of the request's event time.
 *   <li>With {@code topics.sites} set, the example (and any later correction) goes to its site's topics
 *       ({@link SiteRouter}) and carries its site in its metadata; the shared topics get nothing.
 * </ul>
 */
public final class ExampleAssembler implements Processor<String, Object, String, Object> {

    /** The class-cap bucket of unlabelled examples ({@code sites.unlabelled=emit}). */
    static final int UNLABELLED_CLASS = -1;

    private final TopologyConfig config;
    private final TopologyMetrics metrics;
    private final DeadLetterRecords deadLetters;
    private final Serializer<SoftLabel> softLabelSerializer;
    private final Serializer<GroundTruth> groundTruthSerializer;
    private final MetadataAllowList allowList;
    private final HoldoutSplitter splitter;
    private final TeacherEnsembler ensembler;
    private final SiteRouter sites;

    private ProcessorContext<String, Object> context;
    private KeyValueStore<String, PendingJoin> pending;
    private KeyValueStore<String, DecidedRequest> decided;
    private DispositionLedger ledger;
    private ExampleSampler sampler;
    private long lastRetentionScan;

    public ExampleAssembler(TopologyConfig config, TopologyMetrics metrics, Serializer<SoftLabel> softLabelSerializer,
            Serializer<GroundTruth> groundTruthSerializer) {
        this.config = config;
        this.metrics = metrics;
        this.deadLetters = new DeadLetterRecords(config.deadLetterMaxBytes());
        this.softLabelSerializer = softLabelSerializer;
        this.groundTruthSerializer = groundTruthSerializer;
        this.sites = config.siteRouter();
        java.util.Set<String> allowed = new java.util.LinkedHashSet<>(config.metadataAllowList());
        if (sites.enabled()) {
            // The site travels with the example: it names the topics the example goes to.
            allowed.add(sites.metadataKey());
        }
        this.allowList = new MetadataAllowList(allowed);
        this.splitter = new HoldoutSplitter(config.holdoutFraction());
        this.ensembler = new TeacherEnsembler(config::teacherWeight, config.ensembleWeighting());
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.pending = context.getStateStore(DistillTopology.PENDING_STORE);
        this.decided = context.getStateStore(DistillTopology.DECIDED_STORE);
        KeyValueStore<String, Long> dispositions = context.getStateStore(DistillTopology.DISPOSITIONS_STORE);
        this.ledger = new DispositionLedger(dispositions, metrics);
        KeyValueStore<String, Long> sampling = context.getStateStore(DistillTopology.SAMPLING_STORE);
        this.sampler = new ExampleSampler(config.classCap(), config.samplingWindowMs(), config.rateLimitPerSecond(), sampling);
        this.lastRetentionScan = context.currentSystemTimeMs();
        context.schedule(Duration.ofMillis(config.punctuateIntervalMs()), PunctuationType.WALL_CLOCK_TIME, this::onWallClock);
    }

    @Override
    public void process(Record<String, Object> record) {
        Object value = record.value();
        if (value instanceof InferenceRequest request) {
            onRequest(record.key(), request);
        } else if (value instanceof SoftLabel label) {
            onSoftLabel(record.key(), label);
        } else if (value instanceof GroundTruth truth) {
            onGroundTruth(record.key(), truth);
        } else {
            throw new IllegalStateException("unexpected input " + (value == null ? null : value.getClass()));
        }
    }

    // ------------------------------------------------------------------ arrivals

    private void onRequest(String id, InferenceRequest request) {
        long now = context.currentSystemTimeMs();
        if (decided.get(id) != null) {
            ledger.record(Disposition.duplicate());
            return;
        }
        PendingJoin join = pending.get(id);
        if (join != null && join.hasRequest()) {
            ledger.record(Disposition.duplicate());
            return;
        }
        if (join == null) {
            join = new PendingJoin(now);
        }
        String sampleKey = request.getSampleKey() == null || request.getSampleKey().isBlank()
                ? TensorCodec.sampleKey(request.getInput())
                : request.getSampleKey();
        join.request(allowList.strip(withResolvedSite(request)), sampleKey, now);
        if (allTeachersAnswered(join)) {
            decide(id, join, now);
        } else {
            pending.put(id, join);
        }
    }

    /** The request with its site written into its metadata (the default site when it named none). */
    private InferenceRequest withResolvedSite(InferenceRequest request) {
        if (!sites.enabled()) {
            return request;
        }
        String site = sites.siteOf(request.getMetadata());
        Map<String, String> metadata = new java.util.LinkedHashMap<>(request.getMetadata());
        metadata.put(sites.metadataKey(), site);
        return InferenceRequest.newBuilder(request).setMetadata(metadata).build();
    }

    private String siteOf(InferenceRequest storedRequest) {
        return sites.enabled() ? storedRequest.getMetadata().get(sites.metadataKey()) : null;
    }

    private void onSoftLabel(String id, SoftLabel label) {
        long now = context.currentSystemTimeMs();
        if (decided.get(id) != null) {
            metrics.softLabelIgnored("late");
            return;
        }
        List<String> expected = config.teachers();
        if (!expected.isEmpty() && !expected.contains(label.getTeacherId())) {
            metrics.softLabelIgnored("unknown_teacher");
            return;
        }
        PendingJoin join = pending.get(id);
        if (join == null) {
            join = new PendingJoin(now);
        }
        if (join.hasLabelFrom(label.getTeacherId())) {
            metrics.softLabelIgnored("repeated");
            return;
        }
        join.addLabel(label);
        if (allTeachersAnswered(join)) {
            decide(id, join, now);
        } else {
            pending.put(id, join);
        }
    }

    private void onGroundTruth(String id, GroundTruth truth) {
        long now = context.currentSystemTimeMs();
        DecidedRequest done = decided.get(id);
        if (done != null) {
            correctLate(id, truth, done, now);
            return;
        }
        PendingJoin join = pending.get(id);
        if (join == null) {
            join = new PendingJoin(now);
        }
        if (join.groundTruth() != null) {
            metrics.groundTruthIgnored("repeated");
            return;
        }
        join.groundTruth(truth);
        pending.put(id, join);
    }

    /** Ground truth for a request already decided: a correction when it is an example and in time. */
    private void correctLate(String id, GroundTruth truth, DecidedRequest done, long now) {
        if (!done.isExample()) {
            metrics.lateLabel("no_example");
            return;
        }
        if (done.hardLabelSent()) {
            metrics.groundTruthIgnored("repeated");
            return;
        }
        if (!sameSpace(truth, done.labelSpace())) {
            refuseGroundTruth(id, truth, done.labelSpace(), now);
            return;
        }
        if (truth.getLabel() >= classCount(done.labelSpace(), null)) {
            refuseLabel(id, truth, classCount(done.labelSpace(), null), now);
            return;
        }
        if (truth.getLabelTime().toEpochMilli() - done.eventTime() > config.labelsWindowMs()) {
            metrics.lateLabel("expired");
            return;
        }
        TrainingExample correction = TrainingExample.newBuilder()
                .setRequestId(id)
                .setKind(ExampleKind.LABEL_CORRECTION)
                .setSampleKey(done.sampleKey())
                .setSplit(done.split())
                .setTask(done.task())
                .setEventTime(java.time.Instant.ofEpochMilli(done.eventTime()))
                .setInput(null)
                .setTarget(null)
                .setHardLabel(truth.getLabel())
                .setLabelSpace(done.labelSpace())
                .setWeight(1.0f)
                .setTeachers(List.of())
                .setMetadata(done.site() == null ? Map.of() : Map.of(sites.metadataKey(), done.site()))
                .build();
        context.forward(new Record<String, Object>(id, correction, now), sites.sinkOf(done.split(), done.site()));
        decided.put(id, done.withHardLabelSent());
        metrics.lateLabel("corrected");
    }

    private boolean allTeachersAnswered(PendingJoin join) {
        if (!join.hasRequest() || config.teachers().isEmpty()) {
            return false;
        }
        for (String teacher : config.teachers()) {
            if (!join.hasLabelFrom(teacher)) {
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ decision

    private void decide(String id, PendingJoin join, long now) {
        InferenceRequest request = join.request();
        List<SoftLabel> labels = join.labels();
        EnsembledTarget ensembled = null;
        if (!labels.isEmpty()) {
            try {
                ensembled = ensembler.combine(labels);
            } catch (LabelSpaceMismatchException e) {
                refuseCombination(id, request, e, now);
                pending.delete(id);
                return;
            }
        }
        LabelSpace space = ensembled != null ? ensembled.labelSpace() : null;
        Integer hardLabel = null;
        GroundTruth truth = join.groundTruth();
        if (truth != null) {
            if (space != null && !sameSpace(truth, space)) {
                refuseGroundTruth(id, truth, space, now);
            } else if (truth.getLabel() >= classCount(space, ensembled)) {
                refuseLabel(id, truth, classCount(space, ensembled), now);
            } else if (truth.getLabelTime().toEpochMilli() - request.getEventTime().toEpochMilli() > config.labelsWindowMs()) {
                metrics.lateLabel("expired");
            } else {
                hardLabel = truth.getLabel();
                if (space == null) {
                    space = LabelSpace.newBuilder().setId(truth.getLabelSpaceId())
                            .setVersion(truth.getLabelSpaceVersion()).setClassNames(List.of()).build();
                }
            }
        }
        if (ensembled == null && hardLabel == null) {
            // Unlabelled: only a codistilling site trainer can learn from it, and only in the train split.
            Optional<LabelSpace> unlabelled = config.unlabelledLabelSpace();
            if (unlabelled.isEmpty() || splitter.splitOf(join.sampleKey()) != Split.TRAIN) {
                filter(id, request, FilterReason.NO_TEACHER, now);
                return;
            }
            space = unlabelled.get();
        }
        if (ensembled != null && config.minConfidence() > 0 && ensembled.confidence() < config.minConfidence()) {
            filter(id, request, FilterReason.LOW_CONFIDENCE, now);
            return;
        }
        // Unlabelled examples are sampled as one class of their own (UNLABELLED_CLASS).
        int classId = hardLabel != null ? hardLabel : ensembled != null ? ensembled.argmax() : UNLABELLED_CLASS;
        Optional<FilterReason> refused = sampler.admit(classId, request.getEventTime().toEpochMilli(), now);
        if (refused.isPresent()) {
            filter(id, request, refused.get(), now);
            return;
        }
        Split split = splitter.splitOf(join.sampleKey());
        TrainingExample example = TrainingExample.newBuilder()
                .setRequestId(id)
                .setKind(ExampleKind.EXAMPLE)
                .setSampleKey(join.sampleKey())
                .setSplit(split)
                .setTask(request.getTask())
                .setEventTime(request.getEventTime())
                .setInput(request.getInput())
                .setTarget(ensembled == null ? null : ensembled.target())
                .setHardLabel(hardLabel)
                .setLabelSpace(space)
                .setWeight(ensembled == null ? 1.0f : (float) ensembled.confidence())
                .setTeachers(ensembled == null ? List.of() : ensembled.contributions())
                .setMetadata(allowList.apply(request.getMetadata()))
                .build();
        String site = siteOf(request);
        context.forward(new Record<String, Object>(id, example, now), sites.sinkOf(split, site));
        if (ensembled != null) {
            ensembled.contributions().forEach(c -> metrics.teacherContribution(c.getTeacherId(), c.getWeight()));
        }
        ledger.record(Disposition.example(split));
        decided.put(id, new DecidedRequest(Outcome.EXAMPLE, split, join.sampleKey(), request.getTask(),
                request.getEventTime().toEpochMilli(), space, now, hardLabel != null, site));
        pending.delete(id);
    }

    private void filter(String id, InferenceRequest request, FilterReason reason, long now) {
        ledger.record(Disposition.filtered(reason));
        decided.put(id, new DecidedRequest(Outcome.FILTERED, null, null, null, request.getEventTime().toEpochMilli(), null, now, false));
        pending.delete(id);
    }

    private void refuseCombination(String id, InferenceRequest request, LabelSpaceMismatchException e, long now) {
        SoftLabel offending = e.offending();
        byte[] raw = softLabelSerializer.serialize(config.softLabelsTopic(), offending);
        DeadLetter letter = deadLetters.build(config.softLabelsTopic(), -1, -1, id.getBytes(StandardCharsets.UTF_8), raw,
                "topology/ensemble", ReasonCode.LABEL_SPACE_MISMATCH, e.getMessage(), e);
        context.forward(new Record<String, Object>(id, letter, now), DistillTopology.DEAD_LETTERS_SINK);
        metrics.deadLetter("soft-labels", ReasonCode.LABEL_SPACE_MISMATCH.name());
        ledger.record(Disposition.deadLettered(ReasonCode.LABEL_SPACE_MISMATCH.name()));
        decided.put(id, new DecidedRequest(Outcome.DEAD_LETTERED, null, null, null, request.getEventTime().toEpochMilli(), null, now, false));
    }

    private void refuseGroundTruth(String id, GroundTruth truth, LabelSpace space, long now) {
        byte[] raw = groundTruthSerializer.serialize(config.groundTruthTopic(), truth);
        String reason = "ground truth over " + truth.getLabelSpaceId() + "/v" + truth.getLabelSpaceVersion()
                + " for an example over " + TeacherEnsembler.describe(space);
        DeadLetter letter = deadLetters.build(config.groundTruthTopic(), -1, -1, id.getBytes(StandardCharsets.UTF_8), raw,
                "topology/ground-truth", ReasonCode.LABEL_SPACE_MISMATCH, reason, null);
        context.forward(new Record<String, Object>(id, letter, now), DistillTopology.DEAD_LETTERS_SINK);
        metrics.deadLetter("ground-truth", ReasonCode.LABEL_SPACE_MISMATCH.name());
    }

    /** A ground-truth label at or above the class count of the label space it claims: dead-lettered, the example goes on without it. */
    private void refuseLabel(String id, GroundTruth truth, int classes, long now) {
        byte[] raw = groundTruthSerializer.serialize(config.groundTruthTopic(), truth);
        String reason = "label " + truth.getLabel() + " outside [0, " + classes + ") of " + truth.getLabelSpaceId() + "/v"
                + truth.getLabelSpaceVersion();
        DeadLetter letter = deadLetters.build(config.groundTruthTopic(), -1, -1, id.getBytes(StandardCharsets.UTF_8), raw,
                "topology/ground-truth", ReasonCode.LABEL_OUT_OF_RANGE, reason, null);
        context.forward(new Record<String, Object>(id, letter, now), DistillTopology.DEAD_LETTERS_SINK);
        metrics.deadLetter("ground-truth", ReasonCode.LABEL_OUT_OF_RANGE.name());
    }

    /**
     * Classes of a label space: its class names, else the teachers' class count; {@link Integer#MAX_VALUE} when
     * neither is known (no teacher answered and the space lists no names), which leaves the check to the trainer.
     */
    private static int classCount(LabelSpace space, EnsembledTarget ensembled) {
        if (space != null && !space.getClassNames().isEmpty()) {
            return space.getClassNames().size();
        }
        return ensembled != null ? ensembled.target().getNumClasses() : Integer.MAX_VALUE;
    }

    private static boolean sameSpace(GroundTruth truth, LabelSpace space) {
        return space != null && truth.getLabelSpaceId().equals(space.getId())
                && truth.getLabelSpaceVersion() == space.getVersion();
    }

    // ------------------------------------------------------------------ wall clock

    /** Decides timed-out requests, drops orphaned labels and forgets old request ids. */
    private void onWallClock(long now) {
        List<String> timedOut = new ArrayList<>();
        List<String> orphaned = new ArrayList<>();
        try (KeyValueIterator<String, PendingJoin> it = pending.all()) {
            while (it.hasNext()) {
                KeyValue<String, PendingJoin> kv = it.next();
                PendingJoin join = kv.value;
                if (join.hasRequest()) {
                    if (now - join.requestArrivedAt() >= config.ensembleTimeoutMs()) {
                        timedOut.add(kv.key);
                    }
                } else if (now - join.firstSeenAt() >= config.orphanRetentionMs()) {
                    orphaned.add(kv.key);
                }
            }
        }
        for (String id : timedOut) {
            PendingJoin join = pending.get(id);
            if (join != null) {
                decide(id, join, now);
            }
        }
        for (String id : orphaned) {
            PendingJoin join = pending.get(id);
            if (join != null) {
                join.labels().forEach(l -> metrics.softLabelIgnored("orphaned"));
                if (join.groundTruth() != null) {
                    metrics.groundTruthIgnored("orphaned");
                }
                pending.delete(id);
            }
        }
        long retention = Math.max(config.dedupRetentionMs(), config.labelsWindowMs());
        if (now - lastRetentionScan >= Math.min(60_000L, Math.max(config.punctuateIntervalMs(), retention / 10))) {
            lastRetentionScan = now;
            List<String> expired = new ArrayList<>();
            try (KeyValueIterator<String, DecidedRequest> it = decided.all()) {
                while (it.hasNext()) {
                    KeyValue<String, DecidedRequest> kv = it.next();
                    if (now - kv.value.decidedAt() >= retention) {
                        expired.add(kv.key);
                    }
                }
            }
            expired.forEach(decided::delete);
            sampler.purge();
        }
    }
}
