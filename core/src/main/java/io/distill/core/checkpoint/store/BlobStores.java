package io.distill.core.checkpoint.store;

import org.apache.kafka.clients.producer.Producer;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Opens the store a manifest's {@code blobStore} URI names: {@code kafka:<topic>} or {@code file:///<dir>}
 * (a plain path is taken as a directory).
 */
public final class BlobStores {

    private BlobStores() {
    }

    /** A store for reading only (serving, verification). */
    public static BlobStore openForReading(String uri, Map<String, Object> kafkaClientProperties) {
        return open(uri, kafkaClientProperties, null);
    }

    /**
     * A store for reading and writing; {@code producer} (normally transactional) is needed by the Kafka store and
     * ignored by the file store.
     */
    public static BlobStore open(String uri, Map<String, Object> kafkaClientProperties, Producer<byte[], byte[]> producer) {
        if (uri.startsWith(KafkaBlobStore.SCHEME)) {
            String topic = uri.substring(KafkaBlobStore.SCHEME.length());
            if (topic.isBlank()) {
                throw new IllegalArgumentException("kafka blob store URI needs a topic: " + uri);
            }
            return new KafkaBlobStore(topic, kafkaClientProperties, producer, KafkaBlobStore.DEFAULT_MAX_CHUNK_BYTES,
                    Duration.ofSeconds(30));
        }
        if (uri.startsWith("file:")) {
            return new FileBlobStore(Path.of(URI.create(uri)));
        }
        if (uri.contains(":") && !uri.startsWith("/")) {
            throw new IllegalArgumentException("unknown blob store URI (use kafka:<topic> or file:///dir): " + uri);
        }
        return new FileBlobStore(Path.of(uri));
    }
}
