package io.distill.teacher.service;

import io.distill.schema.InferenceRequest;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Turns a consumed request record into an {@link InferenceRequest}, or says why it cannot. */
public interface RequestDecoder {

    /**
     * @param record the raw record
     * @return the request
     * @throws RejectedRecordException when the value is not a valid request (it is dead-lettered)
     * @throws RuntimeException for failures that are not the record's fault (e.g. the schema registry
     *     is unreachable); the record is retried later, never dead-lettered
     */
    InferenceRequest decode(ConsumerRecord<byte[], byte[]> record) throws RejectedRecordException;
}
