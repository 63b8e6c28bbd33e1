package io.distill.trainer.data;

import io.distill.core.deadletter.ReasonCode;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Where records the trainer cannot use go, with a reason code; sending must not stop the caller. */
@FunctionalInterface
public interface DeadLetterSink {

    void deadLetter(ConsumerRecord<byte[], byte[]> record, String stage, ReasonCode reasonCode, String message);
}
