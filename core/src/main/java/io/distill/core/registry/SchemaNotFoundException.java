package io.distill.core.registry;

/** No schema has the requested id (HTTP 404 on {@code GET /schemas/ids/{id}}). */
public class SchemaNotFoundException extends RegistryException {
  private final int schemaId;

  public SchemaNotFoundException(int schemaId, String message, int errorCode) {
    super("schema id " + schemaId + " not found in the schema registry: " + message, 404, errorCode, null);
    this.schemaId = schemaId;
  }

  public int schemaId() {
    return schemaId;
  }
}
