package io.distill.teacher.service;

import io.distill.core.deadletter.ReasonCode;
import io.distill.core.registry.RegistryException;
import io.distill.core.softtarget.SoftTargetValidationException;
import io.distill.core.softtarget.SoftTargets;
import io.distill.core.tensor.TensorCodec;
import io.distill.core.tensor.TensorValidationException;
import io.distill.schema.InferenceRequest;
import io.distill.schema.SoftLabel;
import io.distill.teacher.model.TeacherInference;
import io.distill.teacher.model.TeacherModel;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import io.distill.core.transactions.ProducerRestartBudget;
import io.distill.core.transactions.TransactionRetry;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The teacher's consume-transform-produce loop.
 *
 * <p>One thread owns the consumer and the producer. It polls requests, decodes and validates each
 * one (refused records become dead letters at once), applies teacher sampling, and hands the rest
 * to the {@link MicroBatcher}, whose workers run the teacher. Every consumed record is kept in
 * {@link PendingRecords} until its outcome is known; completed records are drained in offset order
 * per partition and their outputs sent. Every {@code commitInterval} the drained records are
 * committed: under exactly-once the soft labels, predictions, dead letters and the consumed offsets
 * form one Kafka transaction (stable transactional id, consumer group metadata for fencing); under
 * at-least-once the producer is flushed and the offsets committed afterwards.
 *
 * <p>In-flight work is bounded: when {@code maxInFlight} records are pending the consumer pauses all
 * its partitions (still polling, so it stays in the group) and resumes at half that. A graceful
 * stop pauses, waits for every in-flight batch, commits, and closes.
 *
 * <p>A refused producer is replaced, not fatal. The transaction coordinator aborts a transaction that outlives
 * {@code transaction.timeout.ms} (a broker outage longer than that is enough) and bumps the producer's epoch; the
 * producer's next call then fails as if fenced ({@code ProducerFencedException}, {@code InvalidProducerEpochException},
 * or, for a commit racing that abort, {@code InvalidTxnStateException}), although no other instance runs and the open
 * transaction is already rolled back. The service then drops the open work, starts a new producer with the same
 * transactional id and re-reads from the committed offsets. A real second instance with the same transactional id
 * would fence this one again at once: after {@link ProducerRestartBudget#DEFAULT_MAX} replacements within
 * {@link ProducerRestartBudget#DEFAULT_WINDOW} the service stops instead of fighting it. Any other producer error that leaves a
 * transactional producer unusable (for instance a commit the coordinator fails with an unexpected server error while
 * it races a fencing) is handled the same way, within the same budget.
 */
public final class TeacherService implements Runnable, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TeacherService.class);
    private static final Duration RETRY_BACKOFF = Duration.ofSeconds(1);

    private final TeacherServiceSettings settings;
    private final TeacherModel teacher;
    private final TeacherCodecs codecs;
    private final TeacherMetrics metrics;
    private List<KafkaClientMetrics> clientMetrics = List.of();
    private final RequestSampler sampler;
    private final SoftLabelFactory outputs;
    private final boolean exactlyOnce;
    private final int[] inputShape;

    private final PendingRecords pending = new PendingRecords();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicReference<Exception> sendFailure = new AtomicReference<>();
    private volatile boolean running = true;
    private volatile boolean ready;
    private volatile boolean refused;
    private boolean producerClosed;
    private volatile Thread loopThread;

    private KafkaConsumer<byte[], byte[]> consumer;
    private KafkaProducer<byte[], byte[]> producer;
    private MicroBatcher batcher;
    private boolean inTransaction;
    private boolean paused;
    private long lastCommitNanos;
    private final ProducerRestartBudget producerRestarts = new ProducerRestartBudget();

    public TeacherService(TeacherServiceSettings settings, TeacherModel teacher, TeacherCodecs codecs,
            TeacherMetrics metrics) {
        this.settings = settings;
        this.teacher = teacher;
        this.codecs = codecs;
        this.metrics = metrics;
        this.sampler = new RequestSampler(settings.sampleFraction());
        this.outputs = new SoftLabelFactory(teacher, settings.form(), settings.topK());
        this.exactlyOnce = settings.guarantee() == DeliveryGuarantee.EXACTLY_ONCE;
        this.inputShape = teacher.inputShape();
    }

    /**
     * @return true when the service stopped on its own because its transactional id kept being refused (another
     *     instance with the same id runs), not because it was asked to stop
     */
    public boolean stoppedByRefusal() {
        return refused;
    }

    /** @return true once the service has joined its group and polls */
    public boolean isReady() {
        return ready;
    }

    public TeacherMetrics metrics() {
        return metrics;
    }

    /** Runs the loop on the calling thread until {@link #stop()} (or a fatal error). */
    @Override
    public void run() {
        loopThread = Thread.currentThread();
        try {
            start();
            while (true) {
                try {
                    loop();
                    drainOnShutdown();
                    break;
                } catch (WakeupException e) {
                    if (running) {
                        throw e;
                    }
                    drainOnShutdown();
                    break;
                } catch (ProducerFencedException | InvalidProducerEpochException | InvalidTxnStateException e) {
                    if (!running || !producerRestarts.tryUse()) {
                        log.error("teacher {}: the producer with transactional id {} was refused {} times within {} ({});"
                                        + " another instance with that id is running; stopping", teacher.id(),
                                settings.transactionalId(), producerRestarts.used() + 1, producerRestarts.window(),
                                e.toString());
                        refused = running;
                        break;
                    }
                    replaceProducer(e);
                } catch (AuthorizationException | UnsupportedVersionException misconfigured) {
                    throw misconfigured;
                } catch (KafkaException e) {
                    // e.g. the coordinator failing a commit that raced a fencing ("unexpected server error"): the
                    // producer is left in an error state it cannot leave; under exactly-once a new one recovers
                    if (!exactlyOnce || !running || !producerRestarts.tryUse()) {
                        throw e;
                    }
                    replaceProducer(e);
                }
            }
        } finally {
            closeClients();
            stopped.countDown();
        }
    }

    private void start() {
        Supplier<TeacherInference> inferences = settings.simulatedLatency().isZero()
                ? teacher::newInference
                : () -> new SlowedInference(teacher.newInference(), settings.simulatedLatency());
        batcher = new MicroBatcher("teacher-" + teacher.id(), inferences, settings.workers(), settings.maxBatchSize(),
                settings.maxBatchWait(), metrics);
        consumer = new KafkaConsumer<>(consumerProperties());
        producer = new KafkaProducer<>(producerProperties());
        clientMetrics = List.of(new KafkaClientMetrics(consumer), new KafkaClientMetrics(producer));
        clientMetrics.forEach(m -> m.bindTo(metrics.registry()));
        if (exactlyOnce) {
            producer.initTransactions();
        }
        consumer.subscribe(List.of(settings.requestsTopic()), new Rebalance());
        lastCommitNanos = System.nanoTime();
        log.info("teacher {} serving {} -> {} ({}, batch <= {}, wait <= {} ms, {} workers, in-flight <= {}, "
                        + "sampling {})", teacher.id(), settings.requestsTopic(), settings.softLabelsTopic(),
                settings.guarantee(), settings.maxBatchSize(), settings.maxBatchWait().toMillis(), settings.workers(),
                settings.maxInFlight(), settings.sampleFraction());
    }

    private void loop() {
        while (running) {
            ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(pending.isEmpty() ? 100 : 5));
            ready = true;
            java.util.Set<TopicPartition> retrying = new java.util.HashSet<>();
            for (ConsumerRecord<byte[], byte[]> record : records) {
                TopicPartition tp = new TopicPartition(record.topic(), record.partition());
                if (retrying.contains(tp)) {
                    continue;
                }
                try {
                    pending.add(tp, record.offset(), handle(record));
                } catch (KafkaException | IllegalStateException | RegistryException notTheRecordsFault) {
                    // e.g. the schema registry is unreachable: never dead-letter, re-read this record later.
                    log.warn("teacher {}: cannot decode {}@{} now ({}); retrying", teacher.id(), tp, record.offset(),
                            notTheRecordsFault.toString());
                    retrying.add(tp);
                    consumer.seek(tp, record.offset());
                }
            }
            if (!retrying.isEmpty()) {
                sleepQuietly(RETRY_BACKOFF);
            }
            flowControl();
            drainAndCommit(false);
        }
    }

    // ------------------------------------------------------------------ one record

    private CompletableFuture<Outcome> handle(ConsumerRecord<byte[], byte[]> record) {
        InferenceRequest request;
        float[] input;
        String sampleKey;
        try {
            request = codecs.requests().decode(record);
            try {
                input = TensorCodec.decode(request.getInput(), inputShape);
                sampleKey = request.getSampleKey() != null ? request.getSampleKey()
                        : TensorCodec.sampleKey(request.getInput());
            } catch (TensorValidationException e) {
                throw new RejectedRecordException(reasonOf(e), e.getMessage(), e);
            }
        } catch (RejectedRecordException e) {
            return CompletableFuture.completedFuture(deadLetter(record, e));
        }
        if (!sampler.accepts(sampleKey)) {
            metrics.sampledOut();
            return CompletableFuture.completedFuture(new Outcome.SampledOut());
        }
        return batcher.submit(input).handle((result, error) -> {
            if (error != null) {
                return deadLetter(record, new RejectedRecordException(ReasonCode.INTERNAL_ERROR,
                        "teacher inference failed: " + error, error));
            }
            Instant now = Instant.now();
            SoftLabel label = outputs.softLabel(request, result, now);
            try {
                // Finite but extreme inputs (pixels near Float.MAX_VALUE) overflow the network: never publish that.
                SoftTargets.validate(label.getTarget(), label.getTarget().getNumClasses());
            } catch (SoftTargetValidationException e) {
                ReasonCode reason = SoftTargetValidationException.NON_FINITE_VALUE.equals(e.reasonCode())
                        ? ReasonCode.NON_FINITE_VALUE : ReasonCode.INVALID_RECORD;
                return deadLetter(record, new RejectedRecordException(reason,
                        "the teacher's output for this input is not a distribution: " + e.getMessage(), e));
            }
            metrics.labelled(Duration.between(request.getEventTime(), now));
            return new Outcome.Labelled(request.getRequestId(), label,
                    settings.responsesTopic() == null ? null : outputs.prediction(request, result, now));
        });
    }

    private Outcome deadLetter(ConsumerRecord<byte[], byte[]> record, RejectedRecordException why) {
        metrics.deadLettered(why.reasonCode());
        log.debug("dead-lettering {}-{}@{}: {} {}", record.topic(), record.partition(), record.offset(),
                why.reasonCode(), why.getMessage());
        return new Outcome.DeadLettered(codecs.deadLetterFactory().create(record, why));
    }

    private static void sleepQuietly(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ReasonCode reasonOf(TensorValidationException e) {
        try {
            return ReasonCode.valueOf(e.reasonCode());
        } catch (IllegalArgumentException unknown) {
            return ReasonCode.INVALID_RECORD;
        }
    }

    // ------------------------------------------------------------------ flow control

    private void flowControl() {
        int inFlight = pending.size();
        metrics.inFlight(inFlight);
        if (!paused && inFlight >= settings.maxInFlight()) {
            paused = true;
            metrics.paused();
            log.debug("teacher {}: {} records in flight, pausing the consumer", teacher.id(), inFlight);
        } else if (paused && inFlight <= settings.maxInFlight() / 2) {
            paused = false;
            consumer.resume(consumer.paused());
        }
        if (paused) {
            consumer.pause(consumer.assignment());
        }
    }

    // ------------------------------------------------------------------ output and commit

    private void drainAndCommit(boolean force) {
        pending.drainCompleted(this::emit);
        boolean due = force || paused
                || System.nanoTime() - lastCommitNanos >= settings.commitInterval().toNanos();
        if (due && pending.hasCommittable()) {
            commit();
        }
    }

    private void emit(Outcome outcome) {
        if (outcome instanceof Outcome.SampledOut) {
            return;
        }
        if (exactlyOnce && !inTransaction) {
            producer.beginTransaction();
            inTransaction = true;
        }
        if (outcome instanceof Outcome.Labelled l) {
            String topic = settings.softLabelsTopic();
            send(topic, l.requestId(), codecs.softLabels().serialize(topic, l.softLabel()));
            if (l.prediction() != null) {
                String responses = settings.responsesTopic();
                send(responses, l.requestId(), codecs.predictions().serialize(responses, l.prediction()));
            }
        } else if (outcome instanceof Outcome.DeadLettered d) {
            String topic = settings.deadLettersTopic();
            byte[] key = d.deadLetter().getKey() == null ? null : bytes(d.deadLetter().getKey());
            producer.send(new ProducerRecord<>(topic, key, codecs.deadLetters().serialize(topic, d.deadLetter())),
                    this::onSent);
        }
    }

    private void send(String topic, String requestId, byte[] value) {
        byte[] key = requestId.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        producer.send(new ProducerRecord<>(topic, key, value), this::onSent);
    }

    private void onSent(org.apache.kafka.clients.producer.RecordMetadata metadata, Exception error) {
        if (error != null) {
            sendFailure.compareAndSet(null, error);
        }
    }

    private static byte[] bytes(java.nio.ByteBuffer buffer) {
        java.nio.ByteBuffer b = buffer.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private void commit() {
        Map<TopicPartition, OffsetAndMetadata> offsets = pending.committableOffsets();
        long start = System.nanoTime();
        try {
            if (exactlyOnce) {
                if (!inTransaction) {
                    producer.beginTransaction();
                    inTransaction = true;
                }
                String who = "teacher " + teacher.id();
                TransactionRetry.untilDone(who + ": sending offsets",
                        () -> producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata()), () -> running);
                TransactionRetry.untilDone(who + ": commit", producer::commitTransaction, () -> running);
                inTransaction = false;
            } else {
                producer.flush();
                Exception failed = sendFailure.getAndSet(null);
                if (failed != null) {
                    throw new KafkaException("an output could not be sent", failed);
                }
                consumer.commitSync(offsets);
            }
            pending.committed();
            metrics.committed(System.nanoTime() - start);
        } catch (ProducerFencedException | InvalidProducerEpochException | InvalidTxnStateException
                | OutOfOrderSequenceException | AuthorizationException | UnsupportedVersionException refused) {
            throw refused; // the refused producer is replaced by run(); the rest stops the service
        } catch (org.apache.kafka.common.errors.TimeoutException stopping) {
            // only thrown once stopping: a timed-out commit must not be aborted (it may have completed)
            log.warn("teacher {}: commit timed out while stopping; the coordinator settles it", teacher.id());
            inTransaction = false;
        } catch (KafkaException e) {
            log.warn("teacher {}: commit failed ({}); rewinding to the last committed offsets", teacher.id(),
                    e.toString());
            abortAndRewind(List.of());
        } finally {
            lastCommitNanos = System.nanoTime();
        }
    }

    /**
     * Replaces a producer the coordinator refused: its open transaction is void (the coordinator aborted it), so the
     * work it held is dropped and re-read from the committed offsets under a new producer with the same id.
     */
    private void replaceProducer(KafkaException why) {
        log.warn("teacher {}: the producer cannot go on ({}); its open transaction is void (initialising the new "
                + "producer with transactional id {} aborts it): re-reading from the committed offsets", teacher.id(),
                why.toString(), settings.transactionalId());
        metrics.producerRestarted();
        try {
            producer.close(Duration.ZERO);
        } catch (KafkaException e) {
            log.debug("closing the refused producer: {}", e.toString());
        }
        inTransaction = false;
        clientMetrics.get(1).close();
        producer = new KafkaProducer<>(producerProperties());
        KafkaClientMetrics producerMetrics = new KafkaClientMetrics(producer);
        producerMetrics.bindTo(metrics.registry());
        clientMetrics = List.of(clientMetrics.get(0), producerMetrics);
        TransactionRetry.untilDone("teacher " + teacher.id() + ": initialising the new producer",
                producer::initTransactions, () -> running);
        abortAndRewind(List.of());
        lastCommitNanos = System.nanoTime();
    }

    /** Drops the open transaction and every pending record, and re-reads from the committed offsets. */
    private void abortAndRewind(Collection<TopicPartition> gone) {
        if (exactlyOnce && inTransaction) {
            producer.abortTransaction();
            inTransaction = false;
        }
        sendFailure.set(null);
        pending.clear();
        java.util.Set<TopicPartition> kept = new java.util.HashSet<>(consumer.assignment());
        kept.removeAll(gone);
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(kept);
        for (TopicPartition tp : kept) {
            OffsetAndMetadata om = committed.get(tp);
            if (om != null) {
                consumer.seek(tp, om.offset());
            } else {
                consumer.seekToBeginning(List.of(tp));
            }
        }
    }

    private void drainOnShutdown() {
        log.info("teacher {}: stopping; draining {} in-flight records", teacher.id(), pending.size());
        if (consumer == null) {
            return;
        }
        consumer.pause(consumer.assignment());
        List<CompletableFuture<Outcome>> waiting = pending.incomplete();
        try {
            CompletableFuture.allOf(waiting.toArray(CompletableFuture[]::new))
                    .get(settings.shutdownTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("teacher {}: in-flight batches did not finish within {}; committing what is done",
                    teacher.id(), settings.shutdownTimeout());
        } catch (Exception e) {
            log.warn("teacher {}: waiting for in-flight batches: {}", teacher.id(), e.toString());
        }
        drainAndCommit(true);
    }

    private void closeClients() {
        if (batcher != null) {
            batcher.close();
        }
        clientMetrics.forEach(KafkaClientMetrics::close);
        producerClosed = true; // closing the consumer below revokes its partitions: nothing is sent any more
        if (producer != null) {
            try {
                if (inTransaction) {
                    producer.abortTransaction();
                }
            } catch (KafkaException e) {
                log.debug("abort on close: {}", e.toString());
            }
            producer.close(Duration.ofSeconds(5));
        }
        if (consumer != null) {
            consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
        }
        ready = false;
        log.info("teacher {} stopped", teacher.id());
    }

    /** Asks the loop to stop gracefully and waits for it (up to the shutdown timeout plus margin). */
    public void stop() {
        running = false;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (loopThread != null && loopThread != Thread.currentThread()) {
            try {
                stopped.await(settings.shutdownTimeout().toMillis() + 15_000, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        stop();
    }

    // ------------------------------------------------------------------ client settings

    private Properties consumerProperties() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(settings.maxPollRecords()));
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, settings.groupId() + "-consumer");
        passThrough(p, ConsumerConfig.configNames());
        return p;
    }

    private Properties producerProperties() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
        if (exactlyOnce) {
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, settings.transactionalId());
        }
        p.put(ProducerConfig.CLIENT_ID_CONFIG, settings.groupId() + "-producer");
        passThrough(p, ProducerConfig.configNames());
        return p;
    }

    private void passThrough(Properties target, java.util.Set<String> known) {
        Map<String, String> extra = new HashMap<>(settings.kafkaProperties());
        extra.forEach((k, v) -> {
            if (known.contains(k)) {
                target.put(k, v);
            }
        });
    }

    /** Commits what is done for revoked partitions and forgets the rest (the next owner re-reads it). */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (producerClosed) {
                pending.forget(partitions);
                return;
            }
            if (!partitions.isEmpty()) {
                try {
                    drainAndCommit(true);
                } finally {
                    pending.forget(partitions);
                }
            }
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (paused) {
                consumer.pause(partitions);
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            log.warn("teacher {}: lost partitions {}; dropping their uncommitted work", teacher.id(), partitions);
            if (exactlyOnce && inTransaction) {
                // The open transaction holds outputs of every partition: drop it and re-read the rest.
                abortAndRewind(partitions);
            } else {
                pending.forget(partitions);
            }
        }
    }
}
