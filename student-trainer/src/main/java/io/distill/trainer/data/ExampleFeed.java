package io.distill.trainer.data;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The trainer's view of the examples topic: a thread of its own polls the consumer, decodes and converts records and
 * puts ready micro-batches into a bounded queue ({@code prefetch} batches), so decoding never runs on the training
 * thread and memory stays bounded when training is slower than the stream. The consumer is assigned every partition
 * (one trainer per model) and starts at the given positions, normally the newest manifest's {@code untilOffset}s;
 * partitions without a position start at the beginning. It never commits: offsets move only with a published
 * checkpoint's transaction. Decoded samples are registered in {@link WaitingSamples} until the training thread
 * {@link #release releases} them, so late labels reach them while they wait, and {@link #backlog()} counts them.
 */
public final class ExampleFeed implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ExampleFeed.class);
    private static final Duration POLL = Duration.ofMillis(100);

    private final Consumer<byte[], byte[]> consumer;
    private final String topic;
    private final RecordHandler handler;
    private final BlockingQueue<MicroBatch> ready;
    private final int batchSize;
    private final Duration linger;
    private final Map<TopicPartition, Long> startPositions;
    private final WaitingSamples waiting;
    private final Thread thread;
    private volatile long recordsBehind;
    private volatile boolean running = true;
    private final Map<String, java.util.concurrent.atomic.LongAdder> consumed = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile java.util.Set<String> assignedTopics = java.util.Set.of();
    private volatile Throwable failure;

    public ExampleFeed(Consumer<byte[], byte[]> consumer, String topic, Map<TopicPartition, Long> resumeAt,
                       RecordHandler handler, int batchSize, int prefetch, Duration linger) {
        this(consumer, topic, resumeAt, handler, batchSize, prefetch, linger, new WaitingSamples());
    }

    /**
     * @param waiting where decoded samples wait until trained (the training thread releases them); late labels
     *                reach them there
     */
    public ExampleFeed(Consumer<byte[], byte[]> consumer, String topic, Map<TopicPartition, Long> resumeAt,
                       RecordHandler handler, int batchSize, int prefetch, Duration linger, WaitingSamples waiting) {
        this.consumer = consumer;
        this.waiting = waiting;
        this.topic = topic;
        this.handler = handler;
        this.batchSize = batchSize;
        this.linger = linger;
        this.ready = new ArrayBlockingQueue<>(Math.max(1, prefetch));
        this.startPositions = assign(resumeAt);
        this.thread = new Thread(this::run, "distill-trainer-prefetch");
        this.thread.setDaemon(true);
    }

    private Map<TopicPartition, Long> assign(Map<TopicPartition, Long> resumeAt) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
            partitions.add(new TopicPartition(topic, info.partition()));
        }
        consumer.assign(partitions);
        assignedTopics = consumer.assignment().stream().map(TopicPartition::topic)
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
        Map<TopicPartition, Long> beginning = consumer.beginningOffsets(partitions);
        Map<TopicPartition, Long> positions = new HashMap<>();
        for (TopicPartition tp : partitions) {
            Long at = resumeAt.get(tp);
            long start = at != null ? Math.max(at, beginning.get(tp)) : beginning.get(tp);
            if (at != null && at < beginning.get(tp)) {
                log.warn("{}: resume offset {} is before the log start {} (retention removed records)", tp, at,
                        beginning.get(tp));
            }
            consumer.seek(tp, start);
            positions.put(tp, start);
        }
        log.info("Consuming {} from {}", topic, positions);
        return Map.copyOf(positions);
    }

    public void start() {
        thread.start();
    }

    /** The topics this feed's consumer was assigned (it is assigned once, at construction). */
    public java.util.Set<String> assignedTopics() {
        return assignedTopics;
    }

    /** Records read so far, by topic. */
    public Map<String, Long> recordsByTopic() {
        Map<String, Long> out = new java.util.TreeMap<>();
        consumed.forEach((t, n) -> out.put(t, n.sum()));
        return out;
    }

    /** Where consumption started, per partition: the lineage's positions before any new batch. */
    public Map<TopicPartition, Long> startPositions() {
        return startPositions;
    }

    /** The next ready batch, or empty after {@code timeout}; rethrows a failure of the prefetch thread. */
    public Optional<MicroBatch> next(Duration timeout) throws InterruptedException {
        MicroBatch batch = ready.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (batch == null && failure != null) {
            throw new IllegalStateException("the prefetch thread failed", failure);
        }
        return Optional.ofNullable(batch);
    }

    /**
     * Records of the topic not yet trained: those the consumer has not fetched yet (the last stable offset minus its
     * position, refreshed on every poll) plus the samples decoded and not yet released by the training thread.
     * Transaction markers, corrections and dead-lettered records count only while unfetched, so the figure is 0
     * once everything written has been trained.
     */
    public long backlog() {
        return recordsBehind + waiting.size();
    }

    /** Marks a trained batch's samples as no longer waiting (call after offering them to the replay buffer). */
    public void release(MicroBatch batch) {
        waiting.release(batch.samples());
    }

    public int readyBatches() {
        return ready.size();
    }

    public RecordHandler.Counts counts() {
        return handler.counts();
    }

    private void run() {
        BatchAssembler assembler = new BatchAssembler(batchSize, startPositions);
        long lastRecordAt = System.nanoTime();
        long lastEndOffsets = 0;
        try {
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    consumed.computeIfAbsent(record.topic(), t -> new java.util.concurrent.atomic.LongAdder()).increment();
                    Sample sample = handler.handle(record);
                    if (sample != null) {
                        waiting.add(sample);
                    }
                    Optional<MicroBatch> sealed = assembler.handled(
                            new TopicPartition(record.topic(), record.partition()), record.offset(), sample);
                    if (sealed.isPresent()) {
                        put(sealed.get());
                    }
                }
                long now = System.nanoTime();
                if (!records.isEmpty()) {
                    lastRecordAt = now;
                } else if (now - lastRecordAt > linger.toNanos()) {
                    Optional<MicroBatch> partial = assembler.flush();
                    if (partial.isPresent()) {
                        put(partial.get());
                    }
                }
                long behind = fetchLag();
                if (behind >= 0) {
                    recordsBehind = behind;
                } else if (now - lastEndOffsets > TimeUnit.SECONDS.toNanos(2)) {
                    recordsBehind = lagFromEndOffsets();
                    lastEndOffsets = now;
                }
            }
        } catch (InterruptedException | WakeupException e) {
            // close() woke the consumer up, or the thread was interrupted: the thread ends here
        } catch (RuntimeException e) {
            if (running) {
                log.error("The prefetch thread failed", e);
                failure = e;
            }
        } finally {
            // closed with the interrupt flag clear: an interrupted close gives up on the fetcher and throws
            boolean interrupted = Thread.interrupted();
            consumer.close(Duration.ofSeconds(5));
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The consumer's own lag from its last fetches (no request), or -1 when a partition has not been fetched yet. */
    private long fetchLag() {
        long sum = 0;
        for (TopicPartition tp : consumer.assignment()) {
            java.util.OptionalLong lag = consumer.currentLag(tp);
            if (lag.isEmpty()) {
                return -1;
            }
            sum += Math.max(0, lag.getAsLong());
        }
        return sum;
    }

    /** Lag from the end offsets (the last stable offsets under read_committed) and the consumer's positions. */
    private long lagFromEndOffsets() {
        long sum = 0;
        for (Map.Entry<TopicPartition, Long> e : consumer.endOffsets(consumer.assignment()).entrySet()) {
            sum += Math.max(0, e.getValue() - consumer.position(e.getKey()));
        }
        return sum;
    }

    private void put(MicroBatch batch) throws InterruptedException {
        while (running) {
            if (ready.offer(batch, 100, TimeUnit.MILLISECONDS)) {
                return;
            }
        }
    }

    @Override
    public void close() {
        running = false;
        if (thread.isAlive()) {
            consumer.wakeup();
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else {
            consumer.close(Duration.ofSeconds(5));
        }
    }
}
