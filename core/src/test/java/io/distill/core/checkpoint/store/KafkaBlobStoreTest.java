package io.distill.core.checkpoint.store;

import io.distill.schema.ChunkRef;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.junit.IntegrationTest;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@IntegrationTest
class KafkaBlobStoreTest {

    private static final int CHUNK = 256 * 1024;

    private static List<byte[]> chunksOf(byte[] blob) {
        List<byte[]> chunks = new ArrayList<>();
        for (int off = 0; off < blob.length; off += CHUNK) {
            chunks.add(Arrays.copyOfRange(blob, off, Math.min(blob.length, off + CHUNK)));
        }
        return chunks;
    }

    private static KafkaProducer<byte[], byte[]> transactionalProducer(EmbeddedStack stack, String id) {
        Map<String, Object> props = new HashMap<>(stack.clientProperties());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id);
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1024 * 1024);
        KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        producer.initTransactions();
        return producer;
    }

    private static String blobTopic(EmbeddedStack stack) {
        return stack.createTopic(stack.uniqueTopic("blobs"), 2, Map.of("cleanup.policy", "compact"));
    }

    @Test
    void committedMultiMegabyteBlobReadsBackFromAnotherClient(EmbeddedStack stack) throws Exception {
        String topic = blobTopic(stack);
        byte[] blob = new byte[5 * 1024 * 1024 + 123];
        new Random(5).nextBytes(blob);
        List<ChunkRef> refs;
        try (KafkaProducer<byte[], byte[]> producer = transactionalProducer(stack, "blob-test-commit")) {
            KafkaBlobStore store = new KafkaBlobStore(topic, stack.clientProperties(), producer, CHUNK, Duration.ofSeconds(20));
            producer.beginTransaction();
            refs = store.put("m", 1, chunksOf(blob));
            producer.commitTransaction();
        }
        assertEquals(21, refs.size());
        assertTrue(refs.get(0).getLocation().startsWith("m:1:0@"), refs.get(0).getLocation());
        try (BlobStore reader = BlobStores.openForReading("kafka:" + topic, stack.clientProperties())) {
            assertArrayEquals(blob, reader.get("m", 1, refs));
        }
        // Without positions the reader scans for the keys.
        List<ChunkRef> byKey = new ArrayList<>();
        for (ChunkRef r : refs) {
            byKey.add(ChunkRef.newBuilder(r).setLocation(ManifestKeys.chunkKey("m", 1, r.getIndex())).build());
        }
        assertArrayEquals(blob, KafkaBlobStore.reader(topic, stack.clientProperties()).get("m", 1, byKey));
    }

    @Test
    void abortedChunksAreNeverRead(EmbeddedStack stack) throws Exception {
        String topic = blobTopic(stack);
        List<ChunkRef> refs;
        try (KafkaProducer<byte[], byte[]> producer = transactionalProducer(stack, "blob-test-abort")) {
            KafkaBlobStore store = new KafkaBlobStore(topic, stack.clientProperties(), producer, CHUNK, Duration.ofSeconds(5));
            producer.beginTransaction();
            refs = store.put("m", 1, List.of(new byte[]{1, 2, 3}));
            producer.abortTransaction();
            // a later committed record lets read_committed readers move past the aborted one
            producer.beginTransaction();
            store.put("other", 1, List.of(new byte[]{9}));
            producer.commitTransaction();
        }
        KafkaBlobStore reader = new KafkaBlobStore(topic, stack.clientProperties(), null, CHUNK, Duration.ofSeconds(5));
        assertThrows(java.io.IOException.class, () -> reader.get("m", 1, refs));
    }

    @Test
    void retiredVersionsAreTombstoned(EmbeddedStack stack) throws Exception {
        String topic = blobTopic(stack);
        try (KafkaProducer<byte[], byte[]> producer = transactionalProducer(stack, "blob-test-retire")) {
            KafkaBlobStore store = new KafkaBlobStore(topic, stack.clientProperties(), producer, CHUNK, Duration.ofSeconds(10));
            producer.beginTransaction();
            List<ChunkRef> refs = store.put("m", 3, List.of(new byte[]{1}, new byte[]{2}));
            producer.commitTransaction();
            producer.beginTransaction();
            store.retire("m", 3, refs);
            producer.commitTransaction();
            List<ChunkRef> byKey = new ArrayList<>();
            for (ChunkRef r : refs) {
                byKey.add(ChunkRef.newBuilder(r).setLocation(ManifestKeys.chunkKey("m", 3, r.getIndex())).build());
            }
            assertThrows(BlobIntegrityException.class, () -> store.get("m", 3, byKey));
        }
    }

    /** Sends one chunk record and returns its reference, with the offset it got, as {@link KafkaBlobStore#put} does. */
    private static ChunkRef send(KafkaProducer<byte[], byte[]> producer, String topic, String model, long version,
                                 int index, byte[] chunk) throws Exception {
        String key = ManifestKeys.chunkKey(model, version, index);
        RecordMetadata meta = producer.send(new ProducerRecord<>(topic, 0, key.getBytes(StandardCharsets.UTF_8), chunk))
                .get();
        return ChunkDigests.reference(index, chunk, key + "@" + meta.partition() + ":" + meta.offset());
    }

    private static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void readsAcrossAbortedAndInterleavedRecordsInOnePass(EmbeddedStack stack) throws Exception {
        String topic = stack.createTopic(stack.uniqueTopic("blobs-gaps"), 1, Map.of("cleanup.policy", "compact"));
        List<byte[]> v1 = List.of(randomBytes(300_000, 1), randomBytes(200_000, 2), randomBytes(1_000, 3));
        List<byte[]> v2 = List.of(randomBytes(250_000, 4), randomBytes(7, 5));
        List<ChunkRef> refs1 = new ArrayList<>();
        List<ChunkRef> refs2 = new ArrayList<>();
        List<ChunkRef> abortedRefs = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> a = transactionalProducer(stack, "blob-gap-a");
             KafkaProducer<byte[], byte[]> b = transactionalProducer(stack, "blob-gap-b");
             KafkaProducer<byte[], byte[]> c = transactionalProducer(stack, "blob-gap-c")) {
            a.beginTransaction();
            b.beginTransaction();
            c.beginTransaction();
            // v1 (a), an aborted write of v3 (b) and v2 (c) interleave record by record on the one partition.
            refs1.add(send(a, topic, "m", 1, 0, v1.get(0)));
            abortedRefs.add(send(b, topic, "m", 3, 0, randomBytes(100_000, 6)));
            refs2.add(send(c, topic, "m", 2, 0, v2.get(0)));
            refs1.add(send(a, topic, "m", 1, 1, v1.get(1)));
            abortedRefs.add(send(b, topic, "m", 3, 1, randomBytes(100_000, 7)));
            refs2.add(send(c, topic, "m", 2, 1, v2.get(1)));
            refs1.add(send(a, topic, "m", 1, 2, v1.get(2)));
            b.abortTransaction();
            a.commitTransaction();
            c.commitTransaction();
        }
        byte[] blob1 = ChunkDigests.concat(v1);
        byte[] blob2 = ChunkDigests.concat(v2);
        try (KafkaBlobStore reader = KafkaBlobStore.reader(topic, stack.clientProperties())) {
            assertArrayEquals(blob1, reader.get("m", 1, refs1));
            assertArrayEquals(blob2, reader.get("m", 2, refs2));
            // The same reader goes back to an earlier offset, and reports the aborted version's chunks as missing.
            assertArrayEquals(blob1, reader.get("m", 1, refs1));
            BlobIntegrityException missing = assertThrows(BlobIntegrityException.class,
                    () -> reader.get("m", 3, abortedRefs));
            assertTrue(missing.getMessage().contains("chunk 0 is missing"), missing.getMessage());
            assertArrayEquals(blob2, reader.get("m", 2, refs2));
        }
    }

    @Test
    void chunksOfAnAbortedTransactionAtTheEndOfTheLogAreMissingWithoutWaitingForTheTimeout(EmbeddedStack stack)
            throws Exception {
        String topic = stack.createTopic(stack.uniqueTopic("blobs-tail"), 1, Map.of("cleanup.policy", "compact"));
        List<ChunkRef> refs;
        try (KafkaProducer<byte[], byte[]> producer = transactionalProducer(stack, "blob-test-tail")) {
            KafkaBlobStore store = new KafkaBlobStore(topic, stack.clientProperties(), producer, CHUNK, Duration.ofSeconds(5));
            producer.beginTransaction();
            refs = store.put("m", 1, List.of(new byte[]{1, 2, 3}, new byte[]{4}));
            producer.abortTransaction();
        }
        // Only the aborted records and the abort marker follow the seek: the reader passes them and stops.
        try (KafkaBlobStore reader = new KafkaBlobStore(topic, stack.clientProperties(), null, CHUNK,
                Duration.ofSeconds(60))) {
            long started = System.nanoTime();
            assertThrows(BlobIntegrityException.class, () -> reader.get("m", 1, refs));
            assertTrue(System.nanoTime() - started < Duration.ofSeconds(30).toNanos());
        }
    }

    @Test
    void oneStoreServesConcurrentReadsAndReopensAfterClose(EmbeddedStack stack) throws Exception {
        String topic = blobTopic(stack);
        byte[][] blobs = new byte[4][];
        List<List<ChunkRef>> refs = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = transactionalProducer(stack, "blob-test-concurrent")) {
            KafkaBlobStore store = new KafkaBlobStore(topic, stack.clientProperties(), producer, CHUNK, Duration.ofSeconds(20));
            for (int v = 0; v < blobs.length; v++) {
                blobs[v] = randomBytes(CHUNK * 2 + 17 * v, 10 + v);
                producer.beginTransaction();
                refs.add(store.put("m", v + 1, chunksOf(blobs[v])));
                producer.commitTransaction();
            }
        }
        KafkaBlobStore reader = KafkaBlobStore.reader(topic, stack.clientProperties());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<byte[]>> reads = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                int v = i % blobs.length;
                reads.add(pool.submit(() -> reader.get("m", v + 1, refs.get(v))));
            }
            for (int i = 0; i < reads.size(); i++) {
                assertArrayEquals(blobs[i % blobs.length], reads.get(i).get(60, TimeUnit.SECONDS));
            }
            reader.close();
            assertArrayEquals(blobs[2], reader.get("m", 3, refs.get(2)));
        } finally {
            pool.shutdownNow();
            reader.close();
        }
    }

    @Test
    void readerFetchesAreLargeEnoughForWholeBlobsButBounded() {
        Map<String, Object> small = KafkaBlobStore.readerProperties(Map.of("bootstrap.servers", "x:1",
                "group.id", "g", "max.partition.fetch.bytes", "2097152"), 512 * 1024);
        assertEquals(KafkaBlobStore.READ_FETCH_BYTES, small.get("max.partition.fetch.bytes"));
        assertEquals(KafkaBlobStore.READ_FETCH_BYTES, small.get("fetch.max.bytes"));
        assertEquals("read_committed", small.get("isolation.level"));
        assertEquals(KafkaBlobStore.READ_FETCH_MAX_WAIT_MS, small.get("fetch.max.wait.ms"));
        assertTrue(!small.containsKey("group.id"));
        Map<String, Object> large = KafkaBlobStore.readerProperties(Map.of(), 1 << 20);
        assertEquals(16 << 20, large.get("max.partition.fetch.bytes"));
        Map<String, Object> huge = KafkaBlobStore.readerProperties(Map.of(), 32 << 20);
        assertEquals(KafkaBlobStore.MAX_READ_FETCH_BYTES, huge.get("max.partition.fetch.bytes"));
        Map<String, Object> asked = KafkaBlobStore.readerProperties(Map.of("max.partition.fetch.bytes", 100 << 20,
                "fetch.max.bytes", 200 << 20), 1 << 20);
        assertEquals(100 << 20, asked.get("max.partition.fetch.bytes"));
        assertEquals(200 << 20, asked.get("fetch.max.bytes"));
    }

    @Test
    void readOnlyStoreRefusesWrites() {
        KafkaBlobStore reader = KafkaBlobStore.reader("t", Map.of());
        assertThrows(IllegalStateException.class, () -> reader.put("m", 1, List.of(new byte[]{1})));
    }
}
