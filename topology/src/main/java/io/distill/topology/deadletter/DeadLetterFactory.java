package io.distill.topology.deadletter;

import io.distill.schema.DeadLetter;
import java.nio.ByteBuffer;
import java.util.Arrays;

/** Builds the dead letters of the topology's stages, with the original value cut to a maximum size. */
public final class DeadLetterFactory {

    private final int maxValueBytes;

    public DeadLetterFactory(int maxValueBytes) {
        this.maxValueBytes = maxValueBytes;
    }

    /**
     * @param topic topic of the refused record
     * @param partition its partition, -1 when unknown
     * @param offset its offset, -1 when unknown
     * @param key its raw key
     * @param value its raw value
     * @param stage e.g. {@code topology/decode-requests}
     * @param reasonCode machine-readable reason
     * @param reason human-readable reason
     * @param error the cause, or null
     * @param at wall-clock time of the refusal
     */
    public DeadLetter build(String topic, int partition, long offset, byte[] key, byte[] value, String stage,
            String reasonCode, String reason, Throwable error, long at) {
        boolean truncated = value != null && value.length > maxValueBytes;
        byte[] kept = value == null ? null : truncated ? Arrays.copyOf(value, maxValueBytes) : value;
        return DeadLetter.newBuilder()
                .setTopic(topic)
                .setPartition(partition)
                .setOffset(offset)
                .setKey(key == null ? null : ByteBuffer.wrap(key))
                .setStage(stage)
                .setReasonCode(reasonCode)
                .setReason(reason == null ? reasonCode : reason)
                .setErrorClass(error == null ? null : error.getClass().getName())
                .setAt(java.time.Instant.ofEpochMilli(at))
                .setOriginalSize(value == null ? -1 : value.length)
                .setValue(kept == null ? null : ByteBuffer.wrap(kept))
                .setTruncated(truncated)
                .build();
    }
}
