package io.distill.trainer.data;

import io.distill.core.deadletter.ReasonCode;
import io.distill.schema.TrainingExample;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Decodes an examples or hold-out record. Implementations say which failures are permanent
 * ({@link UndecodableRecordException}: the record is dead-lettered and skipped) and which are transient
 * ({@link TransientDecodeException}, e.g. the schema registry is unreachable: the record is retried, never
 * dead-lettered).
 */
@FunctionalInterface
public interface ExampleDecoder {

    TrainingExample decode(ConsumerRecord<byte[], byte[]> record)
            throws UndecodableRecordException, TransientDecodeException;

    /** A record that will never decode; carries the dead letter's reason code. */
    class UndecodableRecordException extends Exception {
        private final ReasonCode reasonCode;

        public UndecodableRecordException(ReasonCode reasonCode, String message, Throwable cause) {
            super(message, cause);
            this.reasonCode = reasonCode;
        }

        public ReasonCode reasonCode() {
            return reasonCode;
        }
    }

    /** A failure that may go away when retried. */
    class TransientDecodeException extends Exception {
        public TransientDecodeException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
