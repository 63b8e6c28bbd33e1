package io.distill.core.registry;

/** The registry refused a schema because it breaks the subject's compatibility rule (HTTP 409). */
public class IncompatibleSchemaException extends RegistryException {
  private final String subject;

  public IncompatibleSchemaException(String subject, String message, int errorCode) {
    super("schema is incompatible with subject '" + subject + "': " + message, 409, errorCode, null);
    this.subject = subject;
  }

  public String subject() {
    return subject;
  }
}
