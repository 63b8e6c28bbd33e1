package io.distill.trainer.publish;

import io.distill.core.transactions.TransactionRetry;
import io.distill.core.checkpoint.ChunkedBlob;
import io.distill.core.checkpoint.store.BlobStore;
import io.distill.core.checkpoint.store.ManifestKeys;
import io.distill.core.checkpoint.store.VersionRetirement;
import io.distill.schema.CheckpointManifest;
import io.distill.schema.ChunkRef;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Publishes a checkpoint in one Kafka transaction: the blob's chunks (Kafka-native store), the manifest keyed
 * {@code model:version} on the compacted checkpoints topic and the consumed offsets of the examples topic for the
 * trainer's group. Either all three become visible to read_committed readers or none does, so a published
 * checkpoint and the data it has seen never disagree. The producer is transactional with a stable
 * {@code transactional.id} per model: a second trainer for the same model fences the first.
 */
public final class CheckpointPublisher {

    private static final Logger log = LoggerFactory.getLogger(CheckpointPublisher.class);

    private final Producer<byte[], byte[]> producer;
    private final BlobStore store;
    private final String checkpointsTopic;
    private final Serializer<CheckpointManifest> serializer;
    private final ConsumerGroupMetadata group;

    /** @param producer a transactional producer on which {@code initTransactions()} has been called */
    public CheckpointPublisher(Producer<byte[], byte[]> producer, BlobStore store, String checkpointsTopic,
                               Serializer<CheckpointManifest> serializer, String groupId) {
        this.producer = producer;
        this.store = store;
        this.checkpointsTopic = checkpointsTopic;
        this.serializer = serializer;
        this.group = new ConsumerGroupMetadata(groupId);
    }

    public BlobStore store() {
        return store;
    }

    /**
     * Publishes {@code blob} under the manifest {@code draft} (every field but the blob's: chunks, size, SHA-256 and
     * store are filled in here) together with {@code offsets}. Returns the manifest as published.
     *
     * @throws ProducerFencedException when another trainer took over this model: the caller must stop
     * @throws PublishFailedException  when the transaction was aborted; nothing of it is visible
     */
    public CheckpointManifest publish(CheckpointManifest.Builder draft, byte[] blob,
                                      Map<TopicPartition, OffsetAndMetadata> offsets) throws PublishFailedException {
        return publish(List.of(new Blob(draft, blob)), offsets).get(0);
    }

    /**
     * Publishes several blobs, each under its own manifest (e.g. a float32 version and its int8 companion), and
     * {@code offsets}, all in one transaction. Returns the manifests as published, in order.
     *
     * @throws ProducerFencedException when another trainer took over this model: the caller must stop
     * @throws PublishFailedException  when the transaction was aborted; nothing of it is visible
     */
    public List<CheckpointManifest> publish(List<Blob> blobs, Map<TopicPartition, OffsetAndMetadata> offsets)
            throws PublishFailedException {
        Blob first = blobs.get(0);
        String what = first.draft().getModelName() + ":" + first.draft().getVersion();
        producer.beginTransaction();
        try {
            List<CheckpointManifest> published = new ArrayList<>(blobs.size());
            for (Blob b : blobs) {
                published.add(send(b.draft(), b.blob()));
            }
            TransactionRetry.untilDone("publishing " + what + ": sending offsets",
                    () -> producer.sendOffsetsToTransaction(offsets, group), () -> true);
            TransactionRetry.untilDone("publishing " + what + ": commit", producer::commitTransaction, () -> true);
            return published;
        } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException e) {
            throw e;
        } catch (IOException | KafkaException e) {
            abort();
            throw new PublishFailedException("publishing " + what + " failed and was aborted", e);
        }
    }

    private CheckpointManifest send(CheckpointManifest.Builder draft, byte[] blob) throws IOException {
        String model = draft.getModelName();
        long version = draft.getVersion();
        ChunkedBlob chunked = ChunkedBlob.split(blob, store.maxChunkBytes());
        List<byte[]> chunks = new ArrayList<>(chunked.chunks().size());
        chunked.chunks().forEach(c -> chunks.add(c.data()));
        List<ChunkRef> refs = store.put(model, version, chunks);
        CheckpointManifest manifest = draft
                .setChunks(refs)
                .setTotalBytes(chunked.totalBytes())
                .setSha256(chunked.sha256())
                .setBlobStore(store.uri())
                .build();
        String key = ManifestKeys.manifestKey(model, version);
        producer.send(new ProducerRecord<>(checkpointsTopic, key.getBytes(StandardCharsets.UTF_8),
                serializer.serialize(checkpointsTopic, manifest)));
        log.info("Publishing {} ({} {} bytes in {} chunks, store {})", key, manifest.getFormat().getPrecision(),
                blob.length, refs.size(), store.uri());
        return manifest;
    }

    /**
     * Retires versions in two transactions: first the tombstones of their manifests (from then on no reader fetches
     * their chunks), then the removal of their chunks. A failure between the two leaves only unreferenced chunks.
     */
    public void retire(List<CheckpointManifest> manifests, VersionRetirement retirement) throws PublishFailedException {
        if (manifests.isEmpty()) {
            return;
        }
        String what = manifests.get(0).getModelName() + " versions "
                + manifests.stream().map(m -> Long.toString(m.getVersion())).toList();
        producer.beginTransaction();
        try {
            for (CheckpointManifest m : manifests) {
                retirement.tombstoneManifest(m.getModelName(), m.getVersion());
            }
            TransactionRetry.untilDone("retiring " + what + ": commit", producer::commitTransaction, () -> true);
        } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException e) {
            throw e;
        } catch (KafkaException e) {
            abort();
            throw new PublishFailedException("retiring " + what + " failed and was aborted", e);
        }
        producer.beginTransaction();
        try {
            for (CheckpointManifest m : manifests) {
                retirement.removeChunks(m);
            }
            TransactionRetry.untilDone("removing chunks of " + what + ": commit", producer::commitTransaction,
                    () -> true);
        } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException e) {
            throw e;
        } catch (IOException | KafkaException e) {
            abort();
            throw new PublishFailedException("removing the chunks of " + what + " failed (their manifests are"
                    + " retired)", e);
        }
    }

    private void abort() {
        try {
            producer.abortTransaction();
        } catch (KafkaException e) {
            log.warn("Aborting the transaction failed", e);
        }
    }

    /** One blob to publish and its manifest draft. */
    public record Blob(CheckpointManifest.Builder draft, byte[] blob) {
    }

    /** A publication that did not happen; nothing of it became visible. */
    public static class PublishFailedException extends Exception {
        public PublishFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
