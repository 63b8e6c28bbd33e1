package io.distill.core.registry;

import java.util.List;
import java.util.Optional;
import org.apache.avro.Schema;

/**
 * The part of the Confluent Schema Registry REST API that Distill uses. Implementations are
 * thread-safe and cache what cannot change (a schema by id, the id of a schema under a subject).
 *
 * <p>Every method may throw {@link RegistryUnavailableException} when the registry cannot be
 * reached; that is transient and must never cause a record to be dead-lettered.
 */
public interface RegistryClient extends AutoCloseable {

  /**
   * Registers {@code schema} under {@code subject} ({@code POST /subjects/{subject}/versions}) and
   * returns its id; registering an already registered schema returns the existing id.
   *
   * @throws IncompatibleSchemaException when the subject's compatibility rule refuses it
   */
  int register(String subject, Schema schema);

  /**
   * The schema with the given id ({@code GET /schemas/ids/{id}}).
   *
   * @throws SchemaNotFoundException when no schema has that id
   */
  Schema schemaById(int id);

  /**
   * The registration of {@code schema} under {@code subject} ({@code POST /subjects/{subject}}), or
   * empty when the subject does not exist or does not hold that schema.
   */
  Optional<RegisteredSchema> lookup(String subject, Schema schema);

  /**
   * The latest version under {@code subject} ({@code GET /subjects/{subject}/versions/latest}).
   *
   * @throws SubjectNotFoundException when the subject has no version
   */
  RegisteredSchema latest(String subject);

  /** Sets the compatibility rule of one subject ({@code PUT /config/{subject}}). */
  void setCompatibility(String subject, Compatibility compatibility);

  /**
   * The compatibility rule set on {@code subject} ({@code GET /config/{subject}}), or empty when the
   * subject has none of its own.
   */
  Optional<Compatibility> compatibility(String subject);

  /**
   * Whether {@code schema} could be registered under {@code subject} given its compatibility rule
   * ({@code POST /compatibility/subjects/{subject}/versions/latest}). A subject without versions
   * accepts any schema.
   */
  boolean isCompatible(String subject, Schema schema);

  /** All subjects ({@code GET /subjects}). */
  List<String> subjects();

  /** Releases the client's resources; the default does nothing. */
  @Override
  default void close() {}
}
