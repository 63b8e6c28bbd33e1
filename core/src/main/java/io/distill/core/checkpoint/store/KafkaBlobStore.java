package io.distill.core.checkpoint.store;

import io.distill.schema.ChunkRef;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * Chunks as records of a compacted Kafka topic keyed {@code model:version:chunk}.
 *
 * <p>Writing needs a producer owned by the caller, normally transactional: {@link #put} sends the chunks inside the
 * caller's open transaction and waits for their offsets, so that each {@link ChunkRef#getLocation() location} reads
 * {@code model:version:chunk@partition:offset}. Readers seek straight to that offset (read_committed), check the key
 * and verify the bytes; a location without {@code @partition:offset} is found by scanning the topic for its key.
 * {@link #retire} writes tombstones, which compaction turns into freed space.
 */
public final class KafkaBlobStore implements BlobStore {

    /** Under the broker's default {@code message.max.bytes} (1 MiB) with room for the record overhead. */
    public static final int DEFAULT_MAX_CHUNK_BYTES = 512 * 1024;
    public static final String SCHEME = "kafka:";

    private static final Duration POLL = Duration.ofMillis(200);

    private final String topic;
    private final Map<String, Object> consumerProperties;
    private final Producer<byte[], byte[]> producer;
    private final int maxChunkBytes;
    private final Duration readTimeout;

    /**
     * @param topic              the blob topic
     * @param clientProperties   connection properties (bootstrap servers, security) for the reading consumer
     * @param producer           the caller's producer for {@link #put}/{@link #retire}; {@code null} for a read-only store
     * @param maxChunkBytes      the largest chunk, below the topic's {@code max.message.bytes}
     * @param readTimeout        how long a read waits for a chunk before failing
     */
    public KafkaBlobStore(String topic, Map<String, Object> clientProperties, Producer<byte[], byte[]> producer,
                          int maxChunkBytes, Duration readTimeout) {
        this.topic = topic;
        this.consumerProperties = new HashMap<>(clientProperties);
        this.producer = producer;
        this.maxChunkBytes = maxChunkBytes;
        this.readTimeout = readTimeout;
    }

    /** A store that can only read, e.g. for serving instances. */
    public static KafkaBlobStore reader(String topic, Map<String, Object> clientProperties) {
        return new KafkaBlobStore(topic, clientProperties, null, DEFAULT_MAX_CHUNK_BYTES, Duration.ofSeconds(30));
    }

    public String topic() {
        return topic;
    }

    @Override
    public String uri() {
        return SCHEME + topic;
    }

    @Override
    public int maxChunkBytes() {
        return maxChunkBytes;
    }

    @Override
    public List<ChunkRef> put(String model, long version, List<byte[]> chunks) throws IOException {
        requireProducer();
        List<Future<RecordMetadata>> sent = new ArrayList<>(chunks.size());
        for (int i = 0; i < chunks.size(); i++) {
            byte[] chunk = chunks.get(i);
            if (chunk.length > maxChunkBytes) {
                throw new IllegalArgumentException("chunk " + i + " has " + chunk.length + " bytes, more than "
                        + maxChunkBytes);
            }
            sent.add(producer.send(new ProducerRecord<>(topic, keyBytes(ManifestKeys.chunkKey(model, version, i)), chunk)));
        }
        producer.flush();
        List<ChunkRef> refs = new ArrayList<>(chunks.size());
        for (int i = 0; i < chunks.size(); i++) {
            RecordMetadata meta = await(sent.get(i));
            String location = ManifestKeys.chunkKey(model, version, i) + "@" + meta.partition() + ":" + meta.offset();
            refs.add(ChunkDigests.reference(i, chunks.get(i), location));
        }
        return refs;
    }

    @Override
    public byte[] get(String model, long version, List<ChunkRef> chunks) throws IOException {
        ChunkDigests.checkOrder(chunks);
        Map<String, Object> props = new HashMap<>(consumerProperties);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Math.max(maxChunkBytes * 2, 1024 * 1024));
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<byte[]> parts = new ArrayList<>(chunks.size());
            Map<String, byte[]> scanned = null;
            for (ChunkRef ref : chunks) {
                ChunkLocation location = ChunkLocation.parse(ref.getLocation());
                byte[] bytes;
                if (location.partition() >= 0) {
                    bytes = readAt(consumer, location);
                } else {
                    if (scanned == null) {
                        scanned = scan(consumer, ManifestKeys.manifestKey(model, version) + ":");
                    }
                    bytes = scanned.get(location.key());
                }
                ChunkDigests.verify(model, version, ref, bytes);
                parts.add(bytes);
            }
            return ChunkDigests.concat(parts);
        }
    }

    @Override
    public void retire(String model, long version, List<ChunkRef> chunks) {
        requireProducer();
        for (ChunkRef ref : chunks) {
            String key = ChunkLocation.parse(ref.getLocation()).key();
            producer.send(new ProducerRecord<>(topic, keyBytes(key), null));
        }
    }

    @Override
    public void close() {
        // The producer belongs to the caller; consumers live only for one read.
    }

    private byte[] readAt(KafkaConsumer<byte[], byte[]> consumer, ChunkLocation location) throws IOException {
        TopicPartition tp = new TopicPartition(topic, location.partition());
        consumer.assign(List.of(tp));
        consumer.seek(tp, location.offset());
        long deadline = System.nanoTime() + readTimeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                if (record.offset() < location.offset()) {
                    continue;
                }
                // Compaction may have removed the record: the next one then carries another key.
                boolean match = record.offset() == location.offset()
                        && location.key().equals(new String(record.key(), StandardCharsets.UTF_8));
                return match ? record.value() : null;
            }
            checkInterrupted();
        }
        throw new IOException("timed out after " + readTimeout + " reading " + location);
    }

    private Map<String, byte[]> scan(KafkaConsumer<byte[], byte[]> consumer, String keyPrefix) throws IOException {
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo info : consumer.partitionsFor(topic, readTimeout)) {
            partitions.add(new TopicPartition(topic, info.partition()));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, readTimeout);
        Map<String, byte[]> found = new HashMap<>();
        long deadline = System.nanoTime() + readTimeout.toNanos();
        while (!reached(consumer, end)) {
            if (System.nanoTime() > deadline) {
                throw new IOException("timed out after " + readTimeout + " scanning " + topic);
            }
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                String key = new String(record.key(), StandardCharsets.UTF_8);
                if (key.startsWith(keyPrefix)) {
                    if (record.value() == null) {
                        found.remove(key);
                    } else {
                        found.put(key, record.value());
                    }
                }
            }
            checkInterrupted();
        }
        return found;
    }

    private static boolean reached(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private void requireProducer() {
        if (producer == null) {
            throw new IllegalStateException("this blob store was opened read-only");
        }
    }

    private static RecordMetadata await(Future<RecordMetadata> future) throws IOException {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while sending chunks");
        } catch (ExecutionException e) {
            throw new IOException("sending a chunk failed: " + e.getCause(), e.getCause());
        }
    }

    private static void checkInterrupted() throws InterruptedIOException {
        if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedIOException("interrupted while reading chunks");
        }
    }

    private static byte[] keyBytes(String key) {
        return key.getBytes(StandardCharsets.UTF_8);
    }

    /** {@code key@partition:offset}, or only {@code key} when the position is unknown (partition -1). */
    record ChunkLocation(String key, int partition, long offset) {
        static ChunkLocation parse(String location) {
            int at = location.lastIndexOf('@');
            if (at < 0) {
                return new ChunkLocation(location, -1, -1);
            }
            String position = location.substring(at + 1);
            int colon = position.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("bad chunk location: " + location);
            }
            return new ChunkLocation(location.substring(0, at), Integer.parseInt(position.substring(0, colon)),
                    Long.parseLong(position.substring(colon + 1)));
        }
    }
}
