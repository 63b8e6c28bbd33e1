package io.distill.trainer.service;

import ai.djl.Device;
import io.distill.core.checkpoint.Checkpoint;
import io.distill.core.checkpoint.CheckpointFormat;
import io.distill.core.checkpoint.CheckpointFormatException;
import io.distill.core.checkpoint.CheckpointReader;
import io.distill.core.checkpoint.CheckpointWriter;
import io.distill.core.checkpoint.ChunkedBlob;
import io.distill.core.checkpoint.NamedTensor;
import io.distill.core.checkpoint.store.BlobIntegrityException;
import io.distill.core.checkpoint.store.BlobStore;
import io.distill.core.checkpoint.store.BlobStores;
import io.distill.core.checkpoint.store.KafkaBlobStore;
import io.distill.core.deadletter.DeadLetterRecords;
import io.distill.core.topics.Topics;
import io.distill.core.transactions.ProducerRestartBudget;
import io.distill.core.transactions.TransactionRetry;
import io.distill.core.checkpoint.store.VersionRetirement;
import io.distill.schema.CheckpointControl;
import io.distill.schema.CheckpointManifest;
import io.distill.schema.LabelSpace;
import io.distill.schema.Precision;
import io.distill.schema.TeacherRef;
import io.distill.serving.model.ServingContract;
import io.distill.trainer.codistill.PeerEnsemble;
import io.distill.trainer.codistill.PeerTermMask;
import io.distill.trainer.config.Federation;
import io.distill.trainer.augment.Augmenter;
import io.distill.trainer.config.TrainerSettings;
import io.distill.trainer.data.ExampleDecoder;
import io.distill.trainer.data.ExampleFeed;
import io.distill.trainer.data.KafkaDeadLetterSink;
import io.distill.trainer.data.MicroBatch;
import io.distill.trainer.data.RecordHandler;
import io.distill.trainer.data.Sample;
import io.distill.trainer.data.SampleConverter;
import io.distill.trainer.data.WaitingSamples;
import io.distill.trainer.eval.HoldoutFeed;
import io.distill.trainer.eval.HoldoutMetrics;
import io.distill.trainer.eval.HoldoutScorer;
import io.distill.trainer.eval.HoldoutSet;
import io.distill.trainer.gate.GateDecision;
import io.distill.trainer.gate.QualityGate;
import io.distill.trainer.model.DeviceSelection;
import io.distill.trainer.model.PublishedNetwork;
import io.distill.trainer.model.StudentNetwork;
import io.distill.trainer.publish.CheckpointPublisher;
import io.distill.trainer.publish.ControlRecordReader;
import io.distill.trainer.publish.RetentionPolicy;
import io.distill.trainer.publish.Lineage;
import io.distill.trainer.publish.LineageReader;
import io.distill.trainer.publish.OffsetLedger;
import io.distill.trainer.replay.ReplayBuffer;
import io.distill.trainer.schedule.DistillationStage;
import io.distill.trainer.tuning.DistillationSetting;
import io.distill.trainer.tuning.DistillationTuner;
import io.distill.trainer.tuning.TuningChange;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * The student trainer: resumes the model's lineage from its newest published checkpoint (parameters, optimizer
 * state, step, samples seen and exactly its offsets), then trains forever on micro-batches of the examples topic
 * mixed with replayed ones, evaluates on the hold-out topic and publishes gated checkpoints, each with the offsets
 * it has consumed, in one Kafka transaction.
 *
 * <p>Threads: the prefetch thread (polls and decodes examples), the hold-out reader, and the training thread
 * ({@link #run()}), which alone touches the network, the replay sampling, the ledger and the producer.
 */
public final class TrainerService implements Runnable, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TrainerService.class);
    private static final String STAGE = "student-trainer";
    /** Manifest metrics holding the temperature and alpha the version was last trained with. */
    public static final String TEMPERATURE_METRIC = "distillation.temperature";
    public static final String ALPHA_METRIC = "distillation.alpha";

    private final TrainerSettings settings;
    private final Topics topics;
    private final Map<String, Object> kafka;
    private final ExampleDecoder decoder;
    private final String configHash;
    private final String codeVersion;

    private final ReplayBuffer replay;
    private final HoldoutSet holdout;
    private final OffsetLedger ledger = new OffsetLedger();
    /** {@link OffsetLedger#unpublishedOffsets()} as of the last step or publication, for the gauge. */
    private volatile long unpublishedOffsets;
    private final WaitingSamples waiting = new WaitingSamples();
    private final QualityGate gate;
    private final DistillationTuner tuner;
    private final TrainerMetrics metrics;
    private final MeterRegistry registry;
    private final List<KafkaClientMetrics> clientMetrics = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);

    private KafkaProducer<byte[], byte[]> transactional;
    private KafkaClientMetrics producerMetrics;
    private Map<String, Object> blobReadProps;
    private final ProducerRestartBudget producerRestarts = new ProducerRestartBudget();
    private volatile boolean fenced;
    private KafkaProducer<byte[], byte[]> deadLetterProducer;
    private BlobStore store;
    private CheckpointPublisher publisher;
    private VersionRetirement retirement;
    private final RetentionPolicy retention;
    private final java.util.TreeMap<Long, CheckpointManifest> live = new java.util.TreeMap<>();
    private ExampleFeed feed;
    private HoldoutFeed holdoutFeed;
    private PeerEnsemble peers;
    private SampleConverter converter;
    private Device device;
    /** Volatile: the metrics endpoint reads its native array count. */
    private volatile StudentNetwork network;
    private Augmenter augmenter;
    private PublishedNetwork published;
    private CheckpointManifest lastManifest;
    private long nextVersion = 1;
    private long samplesSeen;
    private long samplesAtLastAttempt;
    private long lastAttemptNanos = System.nanoTime();
    private volatile boolean running = true;
    private volatile boolean looping;
    private volatile long waitedNanos;
    private volatile GateDecision lastDecision;
    private volatile long publishedVersion;
    private volatile RecordHandler.Counts exampleCounts;
    private volatile RecordHandler.Counts holdoutCounts;
    private List<Sample> lastSnapshot = List.of();
    /** Steps of the lineage before a restart from a checkpoint without optimizer state (int8); else 0. */
    private long stepsBeforeRestore;

    public TrainerService(TrainerSettings settings, Topics topics, Map<String, Object> kafkaProperties,
                          ExampleDecoder decoder, MeterRegistry registry, String configHash, String codeVersion) {
        this.settings = settings;
        this.topics = topics;
        this.kafka = new HashMap<>(kafkaProperties);
        this.decoder = decoder;
        this.configHash = configHash;
        this.codeVersion = codeVersion;
        this.replay = new ReplayBuffer(settings.replayCapacity(), settings.seed());
        this.holdout = new HoldoutSet(settings.holdoutCapacity());
        this.gate = new QualityGate(settings.gate());
        this.registry = registry;
        this.tuner = new DistillationTuner(settings.tuning(), settings.schedule());
        this.retention = new RetentionPolicy(settings.retainVersions());
        this.metrics = new TrainerMetrics(registry, settings.model(), this::lag, replay::size, holdout::size,
                this::nativeArrays, () -> unpublishedOffsets);
    }

    /**
     * Connects, fences any previous trainer of this model, restores the newest published checkpoint and starts the
     * reader threads. Call once, before {@link #run()}.
     */
    public void start() throws IOException, CheckpointFormatException {
        device = DeviceSelection.choose(settings.device());
        blobReadProps = new HashMap<>(kafka);
        blobReadProps.putAll(topics.catalogue().blobConsumerOverrides());
        // Fences an older trainer of this model and aborts its open transaction before we read what is committed.
        openPublishing();
        deadLetterProducer = new KafkaProducer<>(kafka, new ByteArraySerializer(), new ByteArraySerializer());

        LabelSpace labelSpace = LabelSpace.newBuilder().setId(settings.labelSpaceId())
                .setVersion(settings.labelSpaceVersion()).setClassNames(settings.classNames()).build();
        Lineage lineage = lineageReader().read(settings.model());
        nextVersion = lineage.nextVersion();
        live.putAll(lineage.live());
        Map<TopicPartition, Long> resumeAt = Map.of();
        int[] inputShape = settings.inputShape();
        Optional<CheckpointManifest> newest = lineage.newest();
        if (newest.isPresent()) {
            CheckpointManifest manifest = newest.get();
            Checkpoint checkpoint = load(manifest, blobReadProps);
            network = new StudentNetwork(checkpoint.architecture(), checkpoint.inputShape(), checkpoint.labelSpace(),
                    checkpoint.numClasses(), settings.optimizer(), device, manifest.getSeed());
            network.restore(checkpoint);
            network.quantizationAware(settings.quantizationAware());
            if (checkpoint.optimizerState().isEmpty()) {
                stepsBeforeRestore = manifest.getStep();
                log.warn("Version {} of {} is a {} checkpoint without optimizer state: resuming from its weights with a"
                        + " fresh optimizer state", manifest.getVersion(), settings.model(), checkpoint.precision());
            }
            published = new PublishedNetwork(network.manager(), checkpoint.architecture(), checkpoint.inputShape(),
                    checkpoint.numClasses(), checkpoint.parameters(), manifest.getVersion());
            if (!checkpoint.architecture().equals(settings.architecture())) {
                log.warn("The lineage's architecture {} differs from the configured {}; the lineage's wins",
                        checkpoint.architecture(), settings.architecture());
            }
            samplesSeen = manifest.getSamplesSeen();
            samplesAtLastAttempt = samplesSeen;
            resumeAt = Lineage.untilOffsets(manifest);
            inputShape = checkpoint.inputShape();
            labelSpace = checkpoint.labelSpace();
            lastManifest = manifest;
            publishedVersion = manifest.getVersion();
            metrics.restored(manifest.getVersion());
            Double t = manifest.getMetrics().get(TEMPERATURE_METRIC);
            Double a = manifest.getMetrics().get(ALPHA_METRIC);
            if (t != null && a != null) {
                tuner.resumeWith(new DistillationSetting(t, a));
            }
            log.info("Resumed {} from version {} (step {}, {} samples seen) at offsets {}",
                    settings.model(), manifest.getVersion(), optimizerSteps(), samplesSeen, resumeAt);
        } else {
            log.info("No published version of {} yet: starting a new lineage at version {}", settings.model(),
                    nextVersion);
        }
        converter = new SampleConverter(labelSpace.getId(), labelSpace.getVersion(),
                network != null ? network.numClasses() : settings.numClasses(), inputShape);

        KafkaDeadLetterSink deadLetters = new KafkaDeadLetterSink(
                topics.deadLetterPublisher(new DeadLetterRecords()), deadLetterProducer);
        // A late label reaches its example wherever it is: waiting to be trained, or in the replay buffer.
        RecordHandler exampleHandler = new RecordHandler(decoder, converter, deadLetters, (id, label) -> {
            waiting.correct(id, label);
            replay.correct(id, label);
        }, STAGE + "/examples", Duration.ofSeconds(1), settings.useTeacherTargets(),
                settings.federation() != null && settings.federation().usesUnlabelled());
        RecordHandler holdoutHandler = new RecordHandler(decoder, converter, deadLetters, holdout::correct,
                STAGE + "/holdout", Duration.ofSeconds(1));
        this.exampleCounts = exampleHandler.counts();
        this.holdoutCounts = holdoutHandler.counts();
        for (Map.Entry<String, RecordHandler.Counts> e : Map.of("examples", exampleCounts, "holdout", holdoutCounts)
                .entrySet()) {
            FunctionCounter.builder("distill.trainer.dead.letters", e.getValue(), RecordHandler.Counts::deadLettered)
                    .tag("model", settings.model()).tag("input", e.getKey())
                    .description("Records of the input refused to the dead-letter topic").register(registry);
        }
        FunctionCounter.builder("distill.trainer.unlabelled.samples", exampleCounts, RecordHandler.Counts::unlabelled)
                .tag("model", settings.model())
                .description("Examples kept with neither a teacher target nor a hard label (peer-only samples)")
                .register(registry);
        feed = new ExampleFeed(consumer(settings.groupId()), examplesTopic(), resumeAt, exampleHandler,
                settings.batchSize(), settings.prefetchBatches(), settings.linger(), waiting);
        ledger.start(feed.startPositions());
        holdoutFeed = new HoldoutFeed(consumer(null), holdoutTopic(), holdoutHandler, holdout);
        feed.start();
        holdoutFeed.start();
        if (network != null) {
            startPeers();
        }
    }

    /** The examples topic this trainer reads: its site's ({@code examples.site-<id>}) when it is a site trainer. */
    private String examplesTopic() {
        Federation f = settings.federation();
        return f == null ? topics.examples().name() : topics.siteExamples(f.site()).name();
    }

    private String holdoutTopic() {
        Federation f = settings.federation();
        return f == null ? topics.holdout().name() : topics.siteHoldout(f.site()).name();
    }

    /** Starts following the other sites' checkpoints, once the student's input shape is known. */
    private void startPeers() {
        Federation f = settings.federation();
        if (peers != null || f == null || !f.codistills()) {
            return;
        }
        LabelSpace space = network.labelSpace();
        ServingContract contract = new ServingContract(space.getId(), space.getVersion(), space.getClassNames(),
                network.inputShape());
        peers = new PeerEnsemble(f.peerModels(), topics, kafka, contract, device, f.refresh(), registry).start();
    }

    /**
     * Creates the transactional producer and initialises it (which fences an older producer with this transactional id
     * and settles its open transaction: a prepared commit completes, anything else is aborted), and the blob store,
     * publisher and retirement that write through it.
     */
    private void openPublishing() {
        Map<String, Object> producerProps = new HashMap<>(kafka);
        producerProps.putAll(topics.catalogue().blobProducerOverrides());
        producerProps.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, settings.transactionalId());
        producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        transactional = new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer());
        producerMetrics = new KafkaClientMetrics(transactional);
        bindClientMetrics(producerMetrics);
        TransactionRetry.untilDone("trainer " + settings.model() + ": initialising the transactional producer",
                transactional::initTransactions, () -> running);
        store = openStore(blobReadProps);
        publisher = new CheckpointPublisher(transactional, store, topics.checkpoints().name(),
                topics.checkpoints().valueSerializer(), settings.groupId());
        retirement = new VersionRetirement(transactional, topics.checkpoints().name(), blobReadProps, store);
    }

    /**
     * Whether {@code e} leaves the transactional producer unusable in a way a new producer mends: refused by the
     * coordinator (fenced, stale epoch) or stuck in an error state. Missing permissions and an unsupported broker are
     * configuration errors and stop the trainer.
     */
    private static boolean producerUnusable(KafkaException e) {
        return !(e instanceof org.apache.kafka.common.errors.AuthorizationException
                || e instanceof org.apache.kafka.common.errors.UnsupportedVersionException
                || e instanceof org.apache.kafka.common.errors.TimeoutException
                || e instanceof org.apache.kafka.common.errors.InterruptException);
    }

    private LineageReader lineageReader() {
        return new LineageReader(kafka, topics.checkpoints().name(), topics.checkpoints().valueDeserializer(),
                Duration.ofSeconds(60));
    }

    /**
     * Replaces a producer the transaction coordinator refused. Without another trainer of this model that happens when
     * the coordinator aborted a transaction on its own (it outlived {@code transaction.timeout.ms}, for instance during
     * a broker outage) and bumped the epoch. The new producer's initialisation settles the refused producer's last
     * transaction either way; what became of it is then read from the checkpoints topic by the caller. A second
     * trainer with this transactional id would refuse the new producer again at once: after
     * {@link ProducerRestartBudget#DEFAULT_MAX} replacements within {@link ProducerRestartBudget#DEFAULT_WINDOW} the
     * trainer stops.
     *
     * @throws TrainerFencedException when the budget of replacements is spent
     */
    private void replaceProducer(KafkaException why) {
        if (!producerRestarts.tryUse()) {
            throw new TrainerFencedException(why);
        }
        log.warn("Trainer of {}: the transactional producer was refused ({}); replacing it (transactional id {}, {} of {}"
                        + " replacements within {})", settings.model(), why.toString(), settings.transactionalId(),
                producerRestarts.used(), producerRestarts.max(), producerRestarts.window());
        metrics.producerRestarted();
        try {
            transactional.close(Duration.ZERO);
        } catch (KafkaException e) {
            log.debug("closing the refused producer: {}", e.toString());
        }
        producerMetrics.close();
        clientMetrics.remove(producerMetrics);
        store.close();
        openPublishing();
    }

    private BlobStore openStore(Map<String, Object> readProps) {
        String uri = settings.blobStore();
        if (uri.equals("kafka")) {
            return new KafkaBlobStore(topics.checkpointBlobs().name(), readProps, transactional,
                    topics.catalogue().blobChunkBytes(), Duration.ofSeconds(60));
        }
        if (uri.startsWith(KafkaBlobStore.SCHEME)) {
            return new KafkaBlobStore(uri.substring(KafkaBlobStore.SCHEME.length()), readProps, transactional,
                    topics.catalogue().blobChunkBytes(), Duration.ofSeconds(60));
        }
        return BlobStores.open(uri, readProps, transactional);
    }

    private Checkpoint load(CheckpointManifest manifest, Map<String, Object> readProps)
            throws IOException, CheckpointFormatException {
        byte[] blob;
        if (manifest.getBlobStore().equals(store.uri())) {
            blob = store.get(manifest.getModelName(), manifest.getVersion(), manifest.getChunks());
        } else {
            try (BlobStore other = BlobStores.openForReading(manifest.getBlobStore(), readProps)) {
                blob = other.get(manifest.getModelName(), manifest.getVersion(), manifest.getChunks());
            }
        }
        if (blob.length != manifest.getTotalBytes() || !ChunkedBlob.sha256Hex(blob).equals(manifest.getSha256())) {
            throw new BlobIntegrityException("blob of " + manifest.getModelName() + ":" + manifest.getVersion()
                    + " does not match its manifest's size and SHA-256");
        }
        return CheckpointReader.read(blob);
    }

    private KafkaConsumer<byte[], byte[]> consumer(String groupId) {
        Map<String, Object> props = new HashMap<>(kafka);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Math.max(500, settings.batchSize() * 4));
        if (groupId != null) {
            props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        } else {
            props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        }
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        bindClientMetrics(new KafkaClientMetrics(consumer));
        return consumer;
    }

    private void bindClientMetrics(KafkaClientMetrics clientMetrics) {
        clientMetrics.bindTo(registry);
        this.clientMetrics.add(clientMetrics);
    }

    /** The training loop; returns when {@link #close()} is called, max samples are reached or on a fatal error. */
    @Override
    public void run() {
        looping = true;
        long windowStart = System.nanoTime();
        long windowSamples = 0;
        try {
            while (running) {
                long waitStart = System.nanoTime();
                Optional<MicroBatch> next = feed.next(Duration.ofMillis(100));
                waitedNanos += System.nanoTime() - waitStart;
                if (next.isPresent()) {
                    MicroBatch batch = next.get();
                    ensureNetwork();
                    startPeers();
                    trainOn(batch);
                    windowSamples += batch.size();
                    long now = System.nanoTime();
                    if (now - windowStart > 10_000_000_000L) {
                        double rate = windowSamples / ((now - windowStart) / 1e9);
                        metrics.throughput(rate);
                        log.info("{} samples trained ({} samples/s), lag {}, {} batches ready, hold-out {}, replay {},"
                                + " published v{}", samplesSeen, Math.round(rate), lag(), feed.readyBatches(),
                                holdout.size(), replay.size(), publishedVersion);
                        windowStart = now;
                        windowSamples = 0;
                    }
                }
                if (network != null && publishDue()) {
                    attemptPublish();
                }
                if (settings.maxSamples() > 0 && samplesSeen >= settings.maxSamples()) {
                    log.info("Reached {} samples: attempting a last publication and stopping", samplesSeen);
                    attemptPublish();
                    break;
                }
            }
        } catch (TrainerFencedException e) {
            fenced = true;
            log.error("Trainer of {}: the transactional producer (id {}) was refused {} times within {} ({}); another"
                            + " trainer of this model is running: stopping", settings.model(),
                    settings.transactionalId(), producerRestarts.used() + 1, producerRestarts.window(),
                    e.getCause().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            running = false;
            stopped.countDown();
        }
    }

    private void ensureNetwork() {
        if (network == null) {
            int[] shape = converter.inputShape();
            network = new StudentNetwork(settings.architecture(), shape, LabelSpace.newBuilder()
                    .setId(settings.labelSpaceId()).setVersion(settings.labelSpaceVersion())
                    .setClassNames(settings.classNames()).build(), settings.numClasses(), settings.optimizer(),
                    device, settings.seed());
            log.info("Built student {} for input shape {} and {} classes: {} parameters", settings.architecture(),
                    java.util.Arrays.toString(shape), settings.numClasses(), network.parameterCount());
            network.quantizationAware(settings.quantizationAware());
        }
        if (augmenter == null) {
            augmenter = new Augmenter(settings.augment(), network.inputShape());
            log.info("Training {}: augmentation {}, quantization-aware {}, checkpoint format {}", settings.model(),
                    augmenter.describe(), network.quantizationAware(), describeFormats());
        }
    }

    private String describeFormats() {
        return switch (settings.checkpointFormat()) {
            case FLOAT -> "float32";
            case INT8 -> "int8";
            case BOTH -> "float32 + int8 as " + settings.int8Model();
        };
    }

    private void trainOn(MicroBatch batch) {
        List<Sample> samples = new ArrayList<>(batch.samples());
        int replayed = (int) Math.round(batch.size() * settings.replayRatio());
        samples.addAll(replay.sample(replayed));
        DistillationStage stage = tuner.setting(samplesSeen);
        // Augmented copies train the network; the replay buffer below keeps the examples as they arrived.
        List<Sample> trained = augmenter.augment(samples, optimizerSteps());
        float[][] peerTargets = peers == null ? null : peers.meanLogProbs(trained).orElse(null);
        float[] peerMask = peerTargets == null ? null : PeerTermMask.of(settings.federation()).mask(trained, peerTargets);
        StudentNetwork.StepResult result = network.train(trained, (float) stage.alpha(), (float) stage.temperature(),
                settings.adaptive(), peerTargets, peerMask,
                peerTargets == null ? 0f : (float) settings.federation().beta());
        metrics.distilledWith(stage.temperature(), stage.alpha());
        samplesSeen += samples.size();
        ledger.advance(batch.untilOffsets());
        unpublishedOffsets = ledger.unpublishedOffsets();
        for (Sample s : batch.samples()) {
            replay.offer(s);
        }
        feed.release(batch);
        metrics.step(samples.size(), result.loss());
        tuner.afterStep(samplesSeen, holdout::snapshot, this::score).ifPresent(metrics::tuned);
    }

    private HoldoutMetrics score(List<Sample> examples) {
        return HoldoutScorer.score(examples, network.logProbs(examples));
    }

    private boolean publishDue() {
        if (!ledger.hasNewData()) {
            return false;
        }
        long since = samplesSeen - samplesAtLastAttempt;
        return since >= settings.publishEverySamples()
                || (since > 0 && System.nanoTime() - lastAttemptNanos >= settings.publishInterval().toNanos());
    }

    /** Evaluates the candidate, asks the gate, and publishes when it passes. */
    private void attemptPublish() {
        samplesAtLastAttempt = samplesSeen;
        lastAttemptNanos = System.nanoTime();
        if (network == null || !ledger.hasNewData()) {
            return;
        }
        List<Sample> snapshot = holdout.snapshot();
        // The candidate is scored as it will be served: through int8 weights when the lineage is published as int8.
        double[][] candidate = settings.checkpointFormat().lineageIsInt8() ? network.quantizedLogProbs(snapshot)
                : network.logProbs(snapshot);
        HoldoutMetrics cm = HoldoutScorer.score(snapshot, candidate);
        lastSnapshot = snapshot;
        HoldoutMetrics pm = null;
        double churn = Double.NaN;
        if (published != null) {
            double[][] previous = published.logProbs(snapshot);
            pm = HoldoutScorer.score(snapshot, previous);
            churn = HoldoutScorer.churn(candidate, previous);
        }
        metrics.evaluated(cm, churn);
        GateDecision decision = gate.decide(network.weightsFinite(), cm, pm, churn, samplesSeen);
        lastDecision = decision;
        switch (decision.verdict()) {
            case REJECT -> {
                metrics.rejected();
                log.warn("Gate rejected the candidate of {} at {} samples: {}", settings.model(), samplesSeen,
                        decision.reason());
            }
            case DEFER -> {
                metrics.deferred();
                log.info("Gate deferred: {}", decision.reason());
            }
            case PUBLISH -> publish(cm, churn, decision);
        }
    }

    /** The teachers of this lineage: the parent version's and those seen in the examples consumed since. */
    private List<TeacherRef> lineageTeachers() {
        java.util.TreeMap<String, TeacherRef> teachers = new java.util.TreeMap<>();
        List<TeacherRef> inherited = lastManifest == null ? List.of() : lastManifest.getTeachers();
        for (TeacherRef t : inherited) {
            teachers.put(t.getTeacherId() + '\u0000' + t.getTeacherVersion(), t);
        }
        for (TeacherRef t : converter.teachersSeen()) {
            teachers.put(t.getTeacherId() + '\u0000' + t.getTeacherVersion(), t);
        }
        return new ArrayList<>(teachers.values());
    }

    private void publish(HoldoutMetrics cm, double churn, GateDecision decision) {
        long version = nextVersion;
        DistillationSetting setting = tuner.current(samplesSeen);
        Map<String, String> metadata = new HashMap<>(Map.of("model", settings.model(),
                "version", Long.toString(version), "samplesSeen", Long.toString(samplesSeen),
                "distillation.temperature", Double.toString(setting.temperature()),
                "distillation.alpha", Double.toString(setting.alpha()),
                "tuning", tuner.mode()));
        tuner.lastChange().ifPresent(c -> metadata.put("tuning.lastChange", describe(c)));
        Checkpoint checkpoint = network.checkpoint(metadata);
        boolean int8Lineage = settings.checkpointFormat().lineageIsInt8();
        byte[] blob = int8Lineage ? CheckpointWriter.write(checkpoint.withoutOptimizerState(), Precision.INT8)
                : CheckpointWriter.write(checkpoint);
        Map<String, Double> manifestMetrics = new HashMap<>(cm.asMap());
        // The setting the candidate was last trained with; a restart under self-tuning continues from it.
        manifestMetrics.put(TEMPERATURE_METRIC, setting.temperature());
        manifestMetrics.put(ALPHA_METRIC, setting.alpha());
        if (tuner.enabled()) {
            manifestMetrics.put("tuning.changes", (double) tuner.changes());
        }
        CheckpointManifest.Builder draft = draft(settings.model(), version, manifestMetrics, churn,
                int8Lineage ? Precision.INT8 : Precision.FLOAT32);
        List<CheckpointPublisher.Blob> blobs = new ArrayList<>();
        blobs.add(new CheckpointPublisher.Blob(draft, blob));
        if (settings.checkpointFormat().companion()) {
            // The int8 companion carries the hold-out metrics of the int8 network, not the float one's.
            HoldoutMetrics int8Metrics = HoldoutScorer.score(lastSnapshot, network.quantizedLogProbs(lastSnapshot));
            Checkpoint companion = network.checkpoint(Map.of("model", settings.int8Model(),
                    "version", Long.toString(version), "samplesSeen", Long.toString(samplesSeen),
                    "floatModel", settings.model())).withoutOptimizerState();
            blobs.add(new CheckpointPublisher.Blob(
                    draft(settings.int8Model(), version, int8Metrics.asMap(), Double.NaN, Precision.INT8),
                    CheckpointWriter.write(companion, Precision.INT8)));
        }
        try {
            List<CheckpointManifest> manifests = publisher.publish(blobs, ledger.offsetsToCommit());
            published(manifests, blob, checkpoint, int8Lineage, decision.reason());
        } catch (CheckpointPublisher.PublishFailedException e) {
            metrics.publishFailed();
            log.warn("Publishing {}:{} failed; will retry at the next attempt", settings.model(), version, e);
        } catch (KafkaException refused) {
            if (!producerUnusable(refused)) {
                throw refused;
            }
            replaceProducer(refused);
            // The refusal says nothing certain about the commit: a commit the coordinator had already prepared
            // completes, so the checkpoints topic decides. Our version is recognised by its blob's checksum.
            String sha256 = ChunkedBlob.sha256Hex(blob);
            CheckpointManifest landed = lineageReader().read(settings.model()).live().get(version);
            if (landed == null) {
                metrics.publishFailed();
                log.warn("Publishing {}:{} was refused and did not complete; will retry at the next attempt",
                        settings.model(), version);
            } else if (landed.getSha256().equals(sha256)) {
                log.warn("Publishing {}:{}: the commit was refused but had completed; taking it as published",
                        settings.model(), version);
                published(List.of(landed), blob, checkpoint, int8Lineage, decision.reason());
            } else {
                // another trainer published this lineage's next version
                throw new TrainerFencedException(refused);
            }
        }
    }

    /** Brings the trainer's state up to a publication that committed: ledger, lineage, served network, retention. */
    private void published(List<CheckpointManifest> manifests, byte[] blob, Checkpoint checkpoint, boolean int8Lineage,
                           String reason) {
        CheckpointManifest manifest = manifests.get(0);
        long version = manifest.getVersion();
        ledger.markPublished();
        unpublishedOffsets = 0;
        lastManifest = manifest;
        nextVersion = version + 1;
        publishedVersion = version;
        if (published != null) {
            published.close();
        }
        try {
            List<NamedTensor> served = int8Lineage ? CheckpointReader.read(blob).parameters()
                    : checkpoint.parameters();
            published = new PublishedNetwork(network.manager(), network.spec(), network.inputShape(),
                    network.numClasses(), served, version);
        } catch (CheckpointFormatException e) {
            throw new IllegalStateException("the checkpoint just written does not load", e);
        }
        metrics.published(version);
        live.put(version, manifest);
        for (CheckpointManifest m : manifests) {
            log.info("Published {}:{} ({}, {} bytes; {}; {} samples, offsets {})", m.getModelName(), version,
                    m.getFormat().getPrecision(), m.getTotalBytes(), reason, samplesSeen, m.getOffsets());
        }
        retireOldVersions();
    }

    /**
     * Retires live versions beyond {@code trainer.retain.versions}, never the newest nor the version the fleet's
     * control record holds it to. A failure is logged and retried after the next publication.
     */
    private void retireOldVersions() {
        if (settings.retainVersions() == 0 || live.size() <= settings.retainVersions()) {
            return;
        }
        try {
            CheckpointControl control = new ControlRecordReader(kafka, topics.checkpointControl().name(),
                    topics.checkpointControl().valueDeserializer(), Duration.ofSeconds(30))
                    .read(settings.model()).orElse(null);
            List<CheckpointManifest> retiring = new ArrayList<>();
            for (long v : retention.toRetire(live.navigableKeySet(), control)) {
                retiring.add(live.get(v));
            }
            if (retiring.isEmpty()) {
                return;
            }
            publisher.retire(retiring, retirement);
            retiring.forEach(m -> live.remove(m.getVersion()));
            metrics.retired(retiring.size());
            log.info("Retired {} versions {} (keeping {} live: {}{})", settings.model(),
                    retiring.stream().map(CheckpointManifest::getVersion).toList(), live.size(), live.keySet(),
                    control == null ? "" : "; fleet policy " + control.getMode() + " " + control.getVersion());
        } catch (ProducerFencedException | InvalidProducerEpochException refused) {
            replaceProducer(refused);
            live.clear();
            live.putAll(lineageReader().read(settings.model()).live());
            log.warn("Retiring old versions of {} was refused; will retry after the next publication",
                    settings.model());
        } catch (CheckpointPublisher.PublishFailedException | RuntimeException e) {
            log.warn("Retiring old versions of {} failed; will retry after the next publication", settings.model(),
                    e);
        }
    }

    /** The model's live versions as this trainer knows them (read at start, then its own publications). */
    public java.util.NavigableSet<Long> liveVersions() {
        return java.util.Collections.unmodifiableNavigableSet(new java.util.TreeSet<>(live.keySet()));
    }

    private static String describe(TuningChange c) {
        return "at " + c.atSamples() + " samples: " + c.from() + " -> " + c.to() + " (" + c.reason() + ")";
    }

    /** A manifest draft of this lineage's next version; the publisher fills in the blob's fields. */
    private CheckpointManifest.Builder draft(String model, long version, Map<String, Double> holdoutMetrics,
                                             double churn, Precision precision) {
        Map<String, Double> manifestMetrics = new HashMap<>(holdoutMetrics);
        if (!Double.isNaN(churn)) {
            manifestMetrics.put("churn", churn);
        }
        manifestMetrics.values().removeIf(v -> v == null || v.isNaN());
        return CheckpointManifest.newBuilder()
                .setModelName(model)
                .setVersion(version)
                .setParentVersion(lastManifest == null ? null : lastManifest.getVersion())
                .setCreatedAt(Instant.now())
                .setArchitecture(network.spec().toAvro(network.inputShape(), network.numClasses()))
                .setInputShape(toList(network.inputShape()))
                .setLabelSpace(network.labelSpace())
                .setStep(optimizerSteps())
                .setSamplesSeen(samplesSeen)
                .setOffsets(ledger.rangesSincePublished())
                .setTeachers(lineageTeachers())
                .setMetrics(manifestMetrics)
                .setFormat(CheckpointFormat.containerFormat(precision))
                .setCodeVersion(codeVersion)
                .setConfigHash(configHash)
                .setSeed(lastManifest == null ? settings.seed() : lastManifest.getSeed())
                // filled in by the publisher
                .setTotalBytes(0).setSha256("").setBlobStore("").setChunks(List.of());
    }

    private static List<Integer> toList(int[] values) {
        List<Integer> out = new ArrayList<>(values.length);
        for (int v : values) {
            out.add(v);
        }
        return out;
    }

    /** Records of the examples topic not yet trained (see {@link ExampleFeed#backlog()}). */
    public long lag() {
        return feed == null ? 0 : feed.backlog();
    }

    /** Native arrays the student holds, NaN before it is built (see {@link StudentNetwork#liveArrays()}). */
    private double nativeArrays() {
        StudentNetwork n = network;
        return n == null ? Double.NaN : n.liveArrays();
    }

    /** Whether the loop stopped because another trainer of this model holds its transactional id. */
    public boolean stoppedByFencing() {
        return fenced;
    }

    public boolean isRunning() {
        return running;
    }

    /** Whether start-up is done and the service is training (for the readiness probe). */
    public boolean isReady() {
        return running && feed != null;
    }

    /** Records of the examples and hold-out topics dead-lettered so far. */
    public long deadLettered() {
        return (exampleCounts == null ? 0 : exampleCounts.deadLettered())
                + (holdoutCounts == null ? 0 : holdoutCounts.deadLettered());
    }

    /** Examples kept as peer-only samples (neither a teacher target nor a hard label) so far. */
    public long unlabelledSamples() {
        return exampleCounts == null ? 0 : exampleCounts.unlabelled();
    }

    public long publishedVersion() {
        return publishedVersion;
    }

    /** Time the training thread spent waiting for a ready batch (starved by the stream), in nanoseconds. */
    public long waitedNanos() {
        return waitedNanos;
    }

    public long samplesSeen() {
        return samplesSeen;
    }

    public GateDecision lastDecision() {
        return lastDecision;
    }

    public long gateRejections() {
        return metrics.rejections();
    }

    /** Where this run started consuming the examples topic, per partition (the lineage's resume point). */
    public Map<TopicPartition, Long> startPositions() {
        return feed == null ? Map.of() : feed.startPositions();
    }

    /**
     * The lineage's optimizer step count: restored from the checkpoint's optimizer state on resume, or continued from
     * the manifest's step when the checkpoint has none (int8).
     */
    public long optimizerSteps() {
        return stepsBeforeRestore + (network == null ? 0 : network.optimizerSteps());
    }

    /** Temperature and alpha the next batch is trained with (the tuner's choice or the schedule's stage). */
    public DistillationSetting distillationSetting() {
        return tuner.current(samplesSeen);
    }

    /** Changes of temperature and alpha the self-tuning made in this run. */
    public long tuningChanges() {
        return tuner.changes();
    }

    public int holdoutSize() {
        return holdout.size();
    }

    /**
     * Every topic a consumer of this trainer has been assigned: its examples and hold-out topics, and, for a
     * codistilling site trainer, the checkpoint manifest and control topics its peer subscription follows. (The
     * lineage reader and the blob store read the checkpoint topics too.)
     */
    public java.util.Set<String> assignedTopics() {
        java.util.Set<String> out = new java.util.TreeSet<>();
        if (feed != null) {
            out.addAll(feed.assignedTopics());
        }
        if (holdoutFeed != null) {
            out.addAll(holdoutFeed.assignedTopics());
        }
        if (peers != null) {
            out.addAll(peers.assignedTopics());
        }
        return out;
    }

    /** Records read from the examples and hold-out topics so far, by topic. */
    public Map<String, Long> recordsByTopic() {
        Map<String, Long> out = new java.util.TreeMap<>();
        if (feed != null) {
            feed.recordsByTopic().forEach((t, n) -> out.merge(t, n, Long::sum));
        }
        if (holdoutFeed != null) {
            holdoutFeed.recordsByTopic().forEach((t, n) -> out.merge(t, n, Long::sum));
        }
        return out;
    }

    /** The peer versions the codistillation term uses now, by model; empty when not codistilling (yet). */
    public Map<String, Long> peerVersions() {
        return peers == null ? Map.of() : peers.versions();
    }

    /** The hold-out examples the gate scores on, as decoded (never augmented). */
    public List<Sample> holdoutSnapshot() {
        return holdout.snapshot();
    }

    /** Stops training, waits for the loop and closes everything. Unpublished training is dropped. */
    @Override
    public void close() {
        running = false;
        clientMetrics.forEach(KafkaClientMetrics::close);
        if (looping) {
            try {
                stopped.await(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (feed != null) {
            feed.close();
        }
        if (holdoutFeed != null) {
            holdoutFeed.close();
        }
        if (peers != null) {
            peers.close();
        }
        if (published != null) {
            published.close();
        }
        if (network != null) {
            network.close();
        }
        if (transactional != null) {
            transactional.close(Duration.ofSeconds(5));
        }
        if (deadLetterProducer != null) {
            deadLetterProducer.close(Duration.ofSeconds(5));
        }
        if (store != null) {
            store.close();
        }
    }
}
