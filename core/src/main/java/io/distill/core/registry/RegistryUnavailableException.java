package io.distill.core.registry;

/**
 * The registry could not be reached (connection refused, timeout, HTTP 5xx/408/429) even after
 * retrying with backoff for the configured maximum wait.
 *
 * <p>This is transient and says nothing about the record being processed: callers must never
 * dead-letter a record because of it. Fail the step (and let the service retry or restart) so the
 * record is processed again once the registry is back.
 */
public class RegistryUnavailableException extends RegistryException {
  private final int attempts;

  public RegistryUnavailableException(String message, int attempts, Throwable cause) {
    super(message, cause instanceof RegistryException r ? r.httpStatus() : -1, -1, cause);
    this.attempts = attempts;
  }

  /** How many requests were made before giving up. */
  public int attempts() {
    return attempts;
  }
}
