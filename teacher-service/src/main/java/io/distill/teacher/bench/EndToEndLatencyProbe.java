package io.distill.teacher.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Per-request end-to-end latency as an application sees it: from just before the request is handed
 * to the producer to the moment its soft label is returned by a {@code read_committed} consumer's
 * poll (so under exactly-once a label counts only once its transaction committed). Request and
 * label are matched by the record key (the request id); both instants come from this JVM's
 * monotonic clock. A label seen twice (at-least-once after a retry) counts once, at its first
 * sighting.
 */
final class EndToEndLatencyProbe implements AutoCloseable {

    private final Map<String, Long> sentNanos = new ConcurrentHashMap<>();
    private final List<Long> latencies = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;
    private volatile Throwable failure;

    /**
     * Starts reading the whole soft-label topic from its beginning.
     *
     * @param servers bootstrap servers
     * @param topic the soft-label topic
     * @param partitions its partition count
     * @param keys decodes the record key to the request id
     */
    EndToEndLatencyProbe(String servers, String topic, int partitions, Deserializer<String> keys) {
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName()));
        List<TopicPartition> all = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            all.add(new TopicPartition(topic, p));
        }
        consumer.assign(all);
        consumer.seekToBeginning(all);
        thread = new Thread(() -> {
            try (consumer) {
                while (running.get()) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                        long now = System.nanoTime();
                        Long sent = sentNanos.remove(keys.deserialize(topic, r.key()));
                        if (sent != null) {
                            synchronized (latencies) {
                                latencies.add(now - sent);
                            }
                        }
                    }
                }
            } catch (RuntimeException e) {
                failure = e;
            }
        }, "bench-latency-probe");
        thread.setDaemon(true);
        thread.start();
    }

    /** Call just before handing the request to the producer. */
    void sent(String requestId) {
        sentNanos.put(requestId, System.nanoTime());
    }

    /** @return labels seen so far */
    int seen() {
        synchronized (latencies) {
            return latencies.size();
        }
    }

    /**
     * Waits until {@code n} labels were seen or the timeout passed.
     *
     * @return whether all were seen
     */
    boolean awaitSeen(int n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (seen() < n && System.nanoTime() < deadline && failure == null) {
            Thread.sleep(5);
        }
        if (failure != null) {
            throw new IllegalStateException("latency probe failed: " + failure.getMessage(), failure);
        }
        return seen() >= n;
    }

    /**
     * @param q quantile in [0, 1]
     * @return that quantile of the latencies in milliseconds (nearest rank), NaN when none
     */
    double quantileMillis(double q) {
        long[] sorted;
        synchronized (latencies) {
            sorted = latencies.stream().mapToLong(Long::longValue).toArray();
        }
        if (sorted.length == 0) {
            return Double.NaN;
        }
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))] / 1e6;
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        thread.join(5_000);
    }
}
