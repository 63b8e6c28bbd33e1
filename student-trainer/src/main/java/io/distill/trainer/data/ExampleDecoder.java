package io.distill.trainer.data;

import io.distill.schema.TrainingExample;

/**
 * Decodes the bytes of an examples or hold-out record. Implementations say which failures are permanent
 * ({@link UndecodableRecordException}: the record is dead-lettered and skipped) and which are transient
 * ({@link TransientDecodeException}, e.g. the schema registry is unreachable: the record is retried, never
 * dead-lettered).
 */
@FunctionalInterface
public interface ExampleDecoder {

    TrainingExample decode(String topic, byte[] value) throws UndecodableRecordException, TransientDecodeException;

    /** A record that will never decode; carries the dead letter's reason code. */
    class UndecodableRecordException extends Exception {
        private final String reasonCode;

        public UndecodableRecordException(String reasonCode, String message, Throwable cause) {
            super(message, cause);
            this.reasonCode = reasonCode;
        }

        public String reasonCode() {
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
