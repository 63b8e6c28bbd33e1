package io.distill.teacher.service;

import io.distill.core.deadletter.DeadLetterRecords;
import io.distill.core.deadletter.ReasonCode;
import io.distill.core.registry.RegistryClient;
import io.distill.core.serde.DecodeResult;
import io.distill.core.serde.RecordDecoder;
import io.distill.core.topics.Topics;
import io.distill.schema.DeadLetter;
import io.distill.schema.InferenceRequest;
import io.distill.schema.Prediction;
import io.distill.schema.SoftLabel;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The wire formats the service reads and writes: core's registry-backed Avro serdes (Confluent
 * wire format) and core's dead-letter records.
 *
 * @param requests decodes request values
 * @param softLabels encodes soft labels
 * @param predictions encodes predictions
 * @param deadLetters encodes dead letters
 * @param deadLetterFactory builds a dead letter for a refused record
 */
public record TeacherCodecs(
        RequestDecoder requests,
        Serializer<SoftLabel> softLabels,
        Serializer<Prediction> predictions,
        Serializer<DeadLetter> deadLetters,
        DeadLetterFactory deadLetterFactory) {

    /** Stage name written on this service's dead letters. */
    public static final String STAGE = "teacher-service";

    /** Builds the dead-letter record for a refused input record. */
    @FunctionalInterface
    public interface DeadLetterFactory {
        DeadLetter create(ConsumerRecord<byte[], byte[]> record, RejectedRecordException why);
    }

    /**
     * @param topics the topic catalogue's typed topics (names and serdes)
     * @param registry the schema registry client
     * @return the codecs of the teacher service
     */
    public static TeacherCodecs of(Topics topics, RegistryClient registry) {
        RecordDecoder<InferenceRequest> decoder = RecordDecoder.of(InferenceRequest.class, registry);
        RequestDecoder requests = record -> {
            DecodeResult<InferenceRequest> result = decoder.decode(record);
            if (result instanceof DecodeResult.Failed<InferenceRequest> failed) {
                throw new RejectedRecordException(failed.error().reason(), failed.error().getMessage(), failed.error());
            }
            InferenceRequest request = result.valueOrThrow();
            if (request == null) {
                throw new RejectedRecordException(ReasonCode.EMPTY_RECORD, "the request value is empty", null);
            }
            return request;
        };
        DeadLetterRecords deadLetterRecords = new DeadLetterRecords();
        return new TeacherCodecs(requests,
                topics.softLabels().valueSerde().serializer(),
                topics.responses().valueSerde().serializer(),
                topics.deadLetters().valueSerde().serializer(),
                (record, why) -> deadLetterRecords.build(record, STAGE + "/" + stageOf(why.reasonCode()),
                        why.reasonCode(), why.getMessage()));
    }

    private static String stageOf(ReasonCode reason) {
        return switch (reason) {
            case INVALID_TENSOR_SHAPE, INVALID_TENSOR_DTYPE, NON_FINITE_VALUE -> "validate";
            case INTERNAL_ERROR -> "infer";
            default -> "decode";
        };
    }
}
