package io.distill.core.serde;

import io.distill.core.deadletter.ReasonCode;

/**
 * The value has no bytes (or is null where a record is required). Reason code {@link
 * ReasonCode#EMPTY_RECORD}.
 */
public class EmptyRecordException extends RecordDecodeException {
  public EmptyRecordException(String topic, String message) {
    super(ReasonCode.EMPTY_RECORD, topic, -1, message, null);
  }
}
