package io.distill.core.serde;

import io.distill.core.deadletter.ReasonCode;

/**
 * The writer schema cannot be resolved to the reader's (e.g. the value is another record type, or
 * not Avro at all under that id). Reason code {@link ReasonCode#SCHEMA_MISMATCH}.
 */
public class SchemaMismatchException extends RecordDecodeException {
  public SchemaMismatchException(String topic, int schemaId, String message, Throwable cause) {
    super(ReasonCode.SCHEMA_MISMATCH, topic, schemaId, message, cause);
  }
}
