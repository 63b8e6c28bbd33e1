package io.distill.core.serde;

import io.distill.core.deadletter.ReasonCode;

/**
 * The bytes are not a valid encoding of the writer schema: too short for the header, truncated,
 * invalid values or bytes left over. Reason code {@link ReasonCode#MALFORMED}.
 */
public class MalformedRecordException extends RecordDecodeException {
  public MalformedRecordException(String topic, int schemaId, String message, Throwable cause) {
    super(ReasonCode.MALFORMED, topic, schemaId, message, cause);
  }
}
