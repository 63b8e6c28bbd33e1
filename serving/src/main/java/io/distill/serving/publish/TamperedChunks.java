package io.distill.serving.publish;

import io.distill.core.checkpoint.ChunkedBlob;
import io.distill.core.checkpoint.store.ManifestKeys;
import io.distill.schema.ChunkRef;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.function.UnaryOperator;

/**
 * Writes chunks whose stored bytes differ from the bytes their references describe: the failure a flipped bit on
 * disk or a buggy writer produces, for testing that readers refuse them.
 */
final class TamperedChunks {

    private TamperedChunks() {
    }

    static List<ChunkRef> put(Producer<byte[], byte[]> producer, String topic, String model, long version,
                              List<byte[]> chunks, UnaryOperator<byte[]> tamper) throws IOException {
        List<ChunkRef> refs = new ArrayList<>();
        for (int i = 0; i < chunks.size(); i++) {
            String key = ManifestKeys.chunkKey(model, version, i);
            byte[] original = chunks.get(i);
            RecordMetadata meta;
            try {
                meta = producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8),
                        tamper.apply(original.clone()))).get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            } catch (ExecutionException e) {
                throw new IOException("sending a chunk failed", e.getCause());
            }
            refs.add(ChunkRef.newBuilder().setIndex(i).setSizeBytes(original.length)
                    .setSha256(ChunkedBlob.sha256Hex(original))
                    .setLocation(key + "@" + meta.partition() + ":" + meta.offset()).build());
        }
        return refs;
    }
}
