package io.distill.trainer.eval;

import io.distill.trainer.data.RecordHandler;
import io.distill.trainer.data.Sample;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads the hold-out topic from the beginning (read_committed, no group, every partition) on a thread of its own
 * into a {@link HoldoutSet}; late labels update the examples already held.
 */
public final class HoldoutFeed implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HoldoutFeed.class);

    private final Consumer<byte[], byte[]> consumer;
    private final RecordHandler handler;
    private final HoldoutSet holdout;
    private final Thread thread;
    private volatile boolean running = true;
    private final Map<String, java.util.concurrent.atomic.LongAdder> consumed = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile java.util.Set<String> assignedTopics = java.util.Set.of();

    public HoldoutFeed(Consumer<byte[], byte[]> consumer, String topic, RecordHandler handler, HoldoutSet holdout) {
        this.consumer = consumer;
        this.handler = handler;
        this.holdout = holdout;
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
            partitions.add(new TopicPartition(topic, info.partition()));
        }
        consumer.assign(partitions);
        assignedTopics = consumer.assignment().stream().map(TopicPartition::topic)
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
        consumer.seekToBeginning(partitions);
        this.thread = new Thread(this::run, "distill-trainer-holdout");
        this.thread.setDaemon(true);
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

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    consumed.computeIfAbsent(record.topic(), t -> new java.util.concurrent.atomic.LongAdder()).increment();
                    Sample sample = handler.handle(record);
                    if (sample != null) {
                        holdout.add(sample);
                    }
                }
            }
        } catch (InterruptedException | WakeupException e) {
            // close() woke the consumer up, or the thread was interrupted: the thread ends here
        } catch (RuntimeException e) {
            log.error("The hold-out reader failed; evaluation continues on the examples read so far", e);
        } finally {
            // closed with the interrupt flag clear: an interrupted close gives up on the fetcher and throws
            boolean interrupted = Thread.interrupted();
            consumer.close(Duration.ofSeconds(5));
            if (interrupted) {
                Thread.currentThread().interrupt();
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
