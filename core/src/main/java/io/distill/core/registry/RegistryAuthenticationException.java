package io.distill.core.registry;

/**
 * The schema registry refused the client's credentials (HTTP 401) or its permissions (HTTP 403). A configuration
 * error: it is never retried, and a service stops on it rather than dead-letter anything.
 */
public class RegistryAuthenticationException extends RegistryException {
  public RegistryAuthenticationException(String message, int httpStatus, int errorCode) {
    super(message, httpStatus, errorCode, null);
  }
}
