package io.distill.cli.faults;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Reads a whole topic, from each partition's first offset to its end, with a chosen isolation level and without a
 * consumer group. With {@code read_uncommitted} the records of aborted transactions are included; with
 * {@code read_committed} they are not, and the end is the last stable offset.
 */
public final class TopicScan {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    private final Map<String, Object> clientProperties;

    public TopicScan(Map<String, Object> clientProperties) {
        this.clientProperties = Map.copyOf(clientProperties);
    }

    /** Hands every record of {@code topic} to {@code sink}, partition by partition interleaved as fetched. */
    public void scan(String topic, IsolationLevel isolation, Consumer<ConsumerRecord<byte[], byte[]>> sink) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(isolation)) {
            List<TopicPartition> partitions = partitions(consumer, topic);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (!reached(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end " + end + " within "
                            + TIMEOUT.toSeconds() + " s");
                }
                consumer.poll(Duration.ofMillis(500)).forEach(sink);
            }
        }
    }

    /** The number of records of {@code topic} a reader with {@code isolation} sees. */
    public long count(String topic, IsolationLevel isolation) {
        long[] n = {0};
        scan(topic, isolation, r -> n[0]++);
        return n[0];
    }

    /** Each partition's first offset (log start). */
    public Map<Integer, Long> startOffsets(String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(IsolationLevel.READ_COMMITTED)) {
            Map<Integer, Long> out = new HashMap<>();
            consumer.beginningOffsets(partitions(consumer, topic)).forEach((tp, o) -> out.put(tp.partition(), o));
            return out;
        }
    }

    private static boolean reached(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private static List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer, String topic) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " does not exist");
        }
        List<TopicPartition> out = new ArrayList<>();
        infos.forEach(i -> out.add(new TopicPartition(topic, i.partition())));
        return out;
    }

    private KafkaConsumer<byte[], byte[]> consumer(IsolationLevel isolation) {
        Map<String, Object> props = new HashMap<>(clientProperties);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString().toLowerCase(Locale.ROOT));
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 << 20);
        props.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 32 << 20);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
