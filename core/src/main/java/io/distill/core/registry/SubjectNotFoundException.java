package io.distill.core.registry;

/** The subject has no (such) version (HTTP 404 on a subject resource). */
public class SubjectNotFoundException extends RegistryException {
  private final String subject;

  public SubjectNotFoundException(String subject, String message, int errorCode) {
    super("subject '" + subject + "' not found in the schema registry: " + message, 404, errorCode, null);
    this.subject = subject;
  }

  public String subject() {
    return subject;
  }
}
