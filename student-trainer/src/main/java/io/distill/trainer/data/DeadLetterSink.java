package io.distill.trainer.data;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Where records the trainer cannot use go, with a reason code; sending must not stop the caller. */
@FunctionalInterface
public interface DeadLetterSink {

    void deadLetter(ConsumerRecord<byte[], byte[]> record, String stage, String reasonCode, String message);
}
