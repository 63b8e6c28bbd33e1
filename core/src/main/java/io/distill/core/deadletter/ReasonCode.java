package io.distill.core.deadletter;

/**
 * Machine-readable reason why a stage refused a record; written as {@code DeadLetter.reasonCode}.
 *
 * <p>The names are part of the dead-letter contract: dashboards and replay tools match on them, so
 * a constant may be added but never renamed.
 */
public enum ReasonCode {
  /** The value does not start with the wire format's magic byte 0. */
  UNKNOWN_MAGIC_BYTE,
  /** The schema id in the value is not known to the schema registry. */
  SCHEMA_NOT_FOUND,
  /** The writer schema cannot be resolved to the reader schema (e.g. another record type). */
  SCHEMA_MISMATCH,
  /** The bytes are not a valid encoding of the writer schema (truncated, too short, trailing bytes). */
  MALFORMED,
  /** A tensor's shape does not match its data or the model's input. */
  INVALID_TENSOR_SHAPE,
  /** A tensor's element type is not supported where it was sent. */
  INVALID_TENSOR_DTYPE,
  /** A value that must be finite is NaN or infinite. */
  NON_FINITE_VALUE,
  /** Outputs over different label spaces (id or version) were to be combined or compared. */
  LABEL_SPACE_MISMATCH,
  /** A class index lies outside its label space. */
  LABEL_OUT_OF_RANGE,
  /** The value is null or has no bytes where a record is required. */
  EMPTY_RECORD,
  /** The record is larger than the stage accepts. */
  OVERSIZED_RECORD,
  /** The record uses an encoding the stage does not know. */
  UNKNOWN_ENCODING,
  /**
   * The record names no site, or a site that is not configured, where examples are routed by site
   * (federated distillation) and no default site applies.
   */
  UNKNOWN_SITE,
  /** The record decoded but violates a rule of its contract. */
  INVALID_RECORD,
  /** The stage failed on the record for a reason of its own (a bug, not the record's fault). */
  INTERNAL_ERROR
}
