package io.distill.core.registry;

/** Compatibility levels of the Confluent Schema Registry API. */
public enum Compatibility {
  NONE,
  BACKWARD,
  BACKWARD_TRANSITIVE,
  FORWARD,
  FORWARD_TRANSITIVE,
  FULL,
  FULL_TRANSITIVE;

  /** Whether every earlier version is checked, not only the latest. */
  public boolean transitive() {
    return name().endsWith("_TRANSITIVE");
  }

  /** Whether consumers using the new schema must read data written with older ones. */
  public boolean checksBackward() {
    return this == BACKWARD || this == BACKWARD_TRANSITIVE || this == FULL || this == FULL_TRANSITIVE;
  }

  /** Whether consumers using older schemas must read data written with the new one. */
  public boolean checksForward() {
    return this == FORWARD || this == FORWARD_TRANSITIVE || this == FULL || this == FULL_TRANSITIVE;
  }
}
