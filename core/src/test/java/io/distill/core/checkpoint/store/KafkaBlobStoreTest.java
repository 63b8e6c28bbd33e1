package io.distill.core.checkpoint.store;

import io.distill.schema.ChunkRef;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.junit.IntegrationTest;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

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

    @Test
    void readOnlyStoreRefusesWrites() {
        KafkaBlobStore reader = KafkaBlobStore.reader("t", Map.of());
        assertThrows(IllegalStateException.class, () -> reader.put("m", 1, List.of(new byte[]{1})));
    }
}
