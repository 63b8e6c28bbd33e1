package io.distill.core.serde;

import io.distill.core.deadletter.ReasonCode;
import io.distill.core.registry.SchemaNotFoundException;

/**
 * The schema id in the value is not known to the registry; the cause is the registry's {@link
 * SchemaNotFoundException}. Reason code {@link ReasonCode#SCHEMA_NOT_FOUND}.
 */
public class UnknownSchemaIdException extends RecordDecodeException {
  public UnknownSchemaIdException(String topic, int schemaId, SchemaNotFoundException cause) {
    super(ReasonCode.SCHEMA_NOT_FOUND, topic, schemaId, "schema id " + schemaId + " is not in the schema registry", cause);
  }
}
