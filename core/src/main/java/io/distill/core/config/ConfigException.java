package io.distill.core.config;

/** A configuration value is missing or invalid; the message names the key. */
public class ConfigException extends IllegalArgumentException {
  private final String key;

  public ConfigException(String key, String message) {
    super(message.startsWith(key + ":") ? message : key + ": " + message);
    this.key = key;
  }

  public ConfigException(String key, String message, Throwable cause) {
    super(message.startsWith(key + ":") || message.startsWith(key + " ") ? message : key + ": " + message, cause);
    this.key = key;
  }

  public String key() {
    return key;
  }
}
