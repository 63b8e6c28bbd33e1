package io.distill.core.checkpoint.store;

import io.distill.core.topics.TopicCatalogue;
import io.distill.schema.ChunkRef;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Chunks as records of a compacted Kafka topic keyed {@code model:version:chunk}.
 *
 * <p>Writing needs a producer owned by the caller, normally transactional: {@link #put} sends the chunks inside the
 * caller's open transaction and waits for their offsets, so that each {@link ChunkRef#getLocation() location} reads
 * {@code model:version:chunk@partition:offset}. Reading ({@code read_committed}) goes through one long-lived consumer
 * per store, opened on the first read and shared by all reads (one at a time): it seeks to the lowest chunk offset of
 * each partition and reads forward in one pass until every chunk has come or been passed, with fetches large enough
 * for a whole blob in one response ({@link #READ_FETCH_BYTES}); each chunk's key is checked and its bytes verified. A
 * location without {@code @partition:offset} is found by scanning the topic for its key. {@link #retire} writes
 * tombstones, which compaction turns into freed space. {@link #close()} releases the reading consumer.
 */
public final class KafkaBlobStore implements BlobStore {

    /**
     * The chunk size of the topic catalogue ({@code topics.blobs.chunk.bytes}, 1 MiB), below its blob topic's
     * {@code max.message.bytes} (2 MiB) with room for the record overhead.
     */
    public static final int DEFAULT_MAX_CHUNK_BYTES = TopicCatalogue.DEFAULT_BLOB_CHUNK_BYTES;
    public static final String SCHEME = "kafka:";

    /**
     * What one fetch of the reading consumer may return ({@code max.partition.fetch.bytes}, {@code fetch.max.bytes}):
     * 16 chunks of the store's largest size, at least 8 MiB and at most 64 MiB, or more when the client properties
     * ask for more.
     */
    public static final int READ_FETCH_BYTES = 8 << 20;
    static final int MAX_READ_FETCH_BYTES = 64 << 20;
    private static final int READ_FETCH_CHUNKS = 16;
    private static final int RECEIVE_BUFFER_BYTES = 1 << 20;
    static final int READ_FETCH_MAX_WAIT_MS = 10;

    private static final Duration POLL = Duration.ofMillis(200);

    private final String topic;
    private final Map<String, Object> readerProperties;
    private final Producer<byte[], byte[]> producer;
    private final int maxChunkBytes;
    private final Duration readTimeout;
    private final ReentrantLock readLock = new ReentrantLock();
    /** Guarded by {@link #readLock}; volatile so that {@link #close()} can wake a read up. */
    private volatile KafkaConsumer<byte[], byte[]> reader;

    /**
     * @param topic              the blob topic
     * @param clientProperties   connection properties (bootstrap servers, security) for the reading consumer
     * @param producer           the caller's producer for {@link #put}/{@link #retire}; {@code null} for a read-only store
     * @param maxChunkBytes      the largest chunk, below the topic's {@code max.message.bytes}
     * @param readTimeout        how long a read may go without receiving anything before it fails
     */
    public KafkaBlobStore(String topic, Map<String, Object> clientProperties, Producer<byte[], byte[]> producer,
                          int maxChunkBytes, Duration readTimeout) {
        this.topic = topic;
        this.readerProperties = readerProperties(clientProperties, maxChunkBytes);
        this.producer = producer;
        this.maxChunkBytes = maxChunkBytes;
        this.readTimeout = readTimeout;
    }

    /** The reading consumer's settings: the caller's connection properties, read_committed, no group, large fetches. */
    static Map<String, Object> readerProperties(Map<String, Object> clientProperties, int maxChunkBytes) {
        Map<String, Object> props = new HashMap<>(clientProperties);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // A chunk offset below the log start (deleted by retention) then reads as a missing chunk, not as a timeout.
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        long wanted = Math.min(MAX_READ_FETCH_BYTES, Math.max(READ_FETCH_BYTES, (long) maxChunkBytes * READ_FETCH_CHUNKS));
        int partitionFetch = (int) Math.max(wanted, intProperty(clientProperties,
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 0));
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, partitionFetch);
        props.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Math.max(partitionFetch,
                intProperty(clientProperties, ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 0)));
        props.putIfAbsent(ConsumerConfig.RECEIVE_BUFFER_CONFIG, RECEIVE_BUFFER_BYTES);
        // The consumer sends the next fetch before a read has taken its last records; at the end of the log the
        // broker parks it for fetch.max.wait.ms, and the next read's fetch waits behind it. Keep that wait short.
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, Math.min(READ_FETCH_MAX_WAIT_MS,
                intProperty(clientProperties, ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, READ_FETCH_MAX_WAIT_MS)));
        return props;
    }

    private static int intProperty(Map<String, Object> props, String key, int otherwise) {
        Object value = props.get(key);
        if (value == null) {
            return otherwise;
        }
        try {
            return value instanceof Number n ? n.intValue() : Integer.parseInt(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " is not a number: " + value, e);
        }
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
        List<ChunkLocation> locations = new ArrayList<>(chunks.size());
        boolean unpositioned = false;
        for (ChunkRef ref : chunks) {
            ChunkLocation location = ChunkLocation.parse(ref.getLocation());
            locations.add(location);
            unpositioned |= location.partition() < 0;
        }
        byte[][] found = new byte[chunks.size()][];
        readLock.lock();
        try {
            KafkaConsumer<byte[], byte[]> consumer = openReader();
            try {
                readPositioned(consumer, locations, found);
                if (unpositioned) {
                    Map<String, byte[]> scanned = scan(consumer, ManifestKeys.manifestKey(model, version) + ":");
                    for (int i = 0; i < locations.size(); i++) {
                        if (locations.get(i).partition() < 0) {
                            found[i] = scanned.get(locations.get(i).key());
                        }
                    }
                }
            } catch (WakeupException e) {
                discardReader();
                throw new InterruptedIOException("the blob store was closed while reading " + model + ":" + version);
            } catch (InterruptException e) {
                discardReader();
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reading chunks of " + model + ":" + version);
            } catch (IOException | RuntimeException e) {
                // A reader that failed half-way (timeout, broken connection) is not trusted with the next read.
                discardReader();
                throw e;
            }
        } finally {
            readLock.unlock();
        }
        // Verified outside the lock so that another read can fetch meanwhile.
        List<byte[]> parts = new ArrayList<>(chunks.size());
        for (int i = 0; i < chunks.size(); i++) {
            ChunkDigests.verify(model, version, chunks.get(i), found[i]);
            parts.add(found[i]);
        }
        return ChunkDigests.concat(parts);
    }

    @Override
    public void retire(String model, long version, List<ChunkRef> chunks) {
        requireProducer();
        for (ChunkRef ref : chunks) {
            String key = ChunkLocation.parse(ref.getLocation()).key();
            producer.send(new ProducerRecord<>(topic, keyBytes(key), null));
        }
    }

    /**
     * Releases the reading consumer (a read in progress on another thread fails with an {@link InterruptedIOException});
     * the producer belongs to the caller. A later {@link #get} opens a new reader.
     */
    @Override
    public void close() {
        KafkaConsumer<byte[], byte[]> current = reader;
        if (current != null) {
            try {
                current.wakeup();
            } catch (RuntimeException e) {
                // already closed by the reading thread
            }
        }
        readLock.lock();
        try {
            discardReader();
        } finally {
            readLock.unlock();
        }
    }

    /** The reading consumer, opened on first use; the caller holds {@link #readLock}. */
    private KafkaConsumer<byte[], byte[]> openReader() {
        KafkaConsumer<byte[], byte[]> current = reader;
        if (current == null) {
            current = new KafkaConsumer<>(readerProperties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            reader = current;
        }
        return current;
    }

    /** Closes the reading consumer, if any; the caller holds {@link #readLock}. */
    private void discardReader() {
        KafkaConsumer<byte[], byte[]> current = reader;
        reader = null;
        if (current != null) {
            try {
                current.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                // nothing to release any more
            }
        }
    }

    /**
     * Reads every chunk whose location carries {@code @partition:offset} in one sequential pass per partition: seek to
     * the lowest wanted offset, then poll forward until the position has passed the highest. Records in between that
     * are not wanted (other versions, other models) are skipped; wanted offsets the position passes without a record
     * (an aborted transaction's records and control markers are never returned under read_committed, compaction may
     * have removed a record) stay {@code null} and fail verification as missing chunks.
     */
    private void readPositioned(KafkaConsumer<byte[], byte[]> consumer, List<ChunkLocation> locations, byte[][] found)
            throws IOException {
        Map<TopicPartition, NavigableMap<Long, List<Integer>>> wanted = new HashMap<>();
        for (int i = 0; i < locations.size(); i++) {
            ChunkLocation location = locations.get(i);
            if (location.partition() >= 0) {
                wanted.computeIfAbsent(new TopicPartition(topic, location.partition()), tp -> new TreeMap<>())
                        .computeIfAbsent(location.offset(), o -> new ArrayList<>(1)).add(i);
            }
        }
        if (wanted.isEmpty()) {
            return;
        }
        if (!consumer.assignment().equals(wanted.keySet())) {
            consumer.assign(wanted.keySet());
        }
        consumer.resume(consumer.paused());
        for (Map.Entry<TopicPartition, NavigableMap<Long, List<Integer>>> e : wanted.entrySet()) {
            consumer.seek(e.getKey(), e.getValue().firstKey());
        }
        long deadline = System.nanoTime() + readTimeout.toNanos();
        while (!wanted.isEmpty()) {
            ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
            if (!records.isEmpty()) {
                deadline = System.nanoTime() + readTimeout.toNanos();
            }
            for (TopicPartition tp : records.partitions()) {
                NavigableMap<Long, List<Integer>> pending = wanted.get(tp);
                if (pending == null) {
                    continue;
                }
                for (ConsumerRecord<byte[], byte[]> record : records.records(tp)) {
                    List<Integer> indices = pending.remove(record.offset());
                    if (indices == null) {
                        continue;
                    }
                    String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
                    for (int i : indices) {
                        // A record of another key at this offset: the chunk is gone (compacted away).
                        if (locations.get(i).key().equals(key)) {
                            found[i] = record.value();
                        }
                    }
                }
            }
            for (Iterator<Map.Entry<TopicPartition, NavigableMap<Long, List<Integer>>>> it = wanted.entrySet().iterator();
                 it.hasNext(); ) {
                Map.Entry<TopicPartition, NavigableMap<Long, List<Integer>>> e = it.next();
                e.getValue().headMap(consumer.position(e.getKey()), false).clear();
                if (e.getValue().isEmpty()) {
                    // Nothing more wanted here: stop fetching the rest of the partition.
                    consumer.pause(List.of(e.getKey()));
                    it.remove();
                }
            }
            if (!wanted.isEmpty() && System.nanoTime() > deadline) {
                Map.Entry<TopicPartition, NavigableMap<Long, List<Integer>>> first = wanted.entrySet().iterator().next();
                throw new IOException("timed out after " + readTimeout + " without progress reading "
                        + locations.get(first.getValue().firstEntry().getValue().get(0)) + " (position "
                        + consumer.position(first.getKey()) + ")");
            }
            checkInterrupted();
        }
    }

    private Map<String, byte[]> scan(KafkaConsumer<byte[], byte[]> consumer, String keyPrefix) throws IOException {
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo info : consumer.partitionsFor(topic, readTimeout)) {
            partitions.add(new TopicPartition(topic, info.partition()));
        }
        consumer.assign(partitions);
        consumer.resume(consumer.paused());
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, readTimeout);
        Map<String, byte[]> found = new HashMap<>();
        long deadline = System.nanoTime() + readTimeout.toNanos();
        while (!reached(consumer, end)) {
            if (System.nanoTime() > deadline) {
                throw new IOException("timed out after " + readTimeout + " scanning " + topic);
            }
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                if (record.key() == null) {
                    continue;
                }
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

        @Override
        public String toString() {
            return partition < 0 ? key : key + "@" + partition + ":" + offset;
        }
    }
}
