package io.distill.core.registry;

/**
 * The registry (HTTP 422) or this client could not accept a schema as Avro: unparseable, or of
 * another schema type.
 */
public class InvalidSchemaException extends RegistryException {
  public InvalidSchemaException(String message, int httpStatus, int errorCode, Throwable cause) {
    super(message, httpStatus, errorCode, cause);
  }
}
