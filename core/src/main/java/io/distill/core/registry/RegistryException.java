package io.distill.core.registry;

/**
 * A schema registry call that failed. Subclasses say why; a plain {@code RegistryException} is an
 * answer the client does not expect (e.g. 401/403 or a malformed response), which retrying will not
 * fix.
 */
public class RegistryException extends RuntimeException {
  private final int httpStatus;
  private final int errorCode;

  public RegistryException(String message) {
    this(message, -1, -1, null);
  }

  public RegistryException(String message, Throwable cause) {
    this(message, -1, -1, cause);
  }

  public RegistryException(String message, int httpStatus, int errorCode, Throwable cause) {
    super(message, cause);
    this.httpStatus = httpStatus;
    this.errorCode = errorCode;
  }

  /** HTTP status of the answer, or -1 when there was none. */
  public int httpStatus() {
    return httpStatus;
  }

  /**
   * The registry's {@code error_code}, or -1 when there was none. Only informative: Apicurio's
   * Confluent-compatible API answers 0 where Confluent answers e.g. 409.
   */
  public int errorCode() {
    return errorCode;
  }
}
