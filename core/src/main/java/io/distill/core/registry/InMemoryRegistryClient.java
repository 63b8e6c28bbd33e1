package io.distill.core.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;

/**
 * A registry held in memory, with the Confluent semantics Distill relies on: one id per distinct
 * schema across subjects, versions per subject, and compatibility rules (default {@code BACKWARD})
 * checked with Avro's own reader/writer rules. For unit tests and offline tools; thread-safe.
 *
 * <p>{@link #setUnavailable(boolean)} makes every call fail with {@link
 * RegistryUnavailableException}, to test how callers treat an outage.
 */
public final class InMemoryRegistryClient implements RegistryClient {
  private final Compatibility defaultCompatibility;
  private final Map<Schema, Integer> idsBySchema = new HashMap<>();
  private final Map<Integer, Schema> schemasById = new HashMap<>();
  private final Map<String, List<Integer>> versions = new TreeMap<>();
  private final Map<String, Compatibility> compatibilities = new HashMap<>();
  private final AtomicBoolean unavailable = new AtomicBoolean();
  private int nextId = 1;

  public InMemoryRegistryClient() {
    this(Compatibility.BACKWARD);
  }

  public InMemoryRegistryClient(Compatibility defaultCompatibility) {
    this.defaultCompatibility = defaultCompatibility;
  }

  public void setUnavailable(boolean unavailable) {
    this.unavailable.set(unavailable);
  }

  private void checkAvailable() {
    if (unavailable.get()) {
      throw new RegistryUnavailableException("schema registry (in memory) set unavailable", 1, null);
    }
  }

  @Override
  public synchronized int register(String subject, Schema schema) {
    checkAvailable();
    List<Integer> ids = versions.computeIfAbsent(subject, s -> new ArrayList<>());
    Integer existing = idsBySchema.get(schema);
    if (existing != null && ids.contains(existing)) {
      return existing;
    }
    String problem = incompatibility(subject, schema);
    if (problem != null) {
      if (ids.isEmpty()) {
        versions.remove(subject);
      }
      throw new IncompatibleSchemaException(subject, problem, 409);
    }
    int id = existing != null ? existing : nextId++;
    idsBySchema.put(schema, id);
    schemasById.put(id, schema);
    ids.add(id);
    return id;
  }

  /** Registers {@code schema} under a new id even if an equal schema is known, as a foreign registry might. */
  public synchronized int registerWithId(String subject, Schema schema, int id) {
    checkAvailable();
    schemasById.put(id, schema);
    versions.computeIfAbsent(subject, s -> new ArrayList<>()).add(id);
    nextId = Math.max(nextId, id + 1);
    return id;
  }

  @Override
  public synchronized Schema schemaById(int id) {
    checkAvailable();
    Schema s = schemasById.get(id);
    if (s == null) {
      throw new SchemaNotFoundException(id, "no schema with id " + id, 40403);
    }
    return s;
  }

  @Override
  public synchronized Optional<RegisteredSchema> lookup(String subject, Schema schema) {
    checkAvailable();
    List<Integer> ids = versions.get(subject);
    Integer id = idsBySchema.get(schema);
    if (ids == null || id == null || !ids.contains(id)) {
      return Optional.empty();
    }
    return Optional.of(new RegisteredSchema(subject, id, ids.indexOf(id) + 1, schema));
  }

  @Override
  public synchronized RegisteredSchema latest(String subject) {
    checkAvailable();
    List<Integer> ids = versions.get(subject);
    if (ids == null || ids.isEmpty()) {
      throw new SubjectNotFoundException(subject, "no versions", 40401);
    }
    int id = ids.get(ids.size() - 1);
    return new RegisteredSchema(subject, id, ids.size(), schemasById.get(id));
  }

  @Override
  public synchronized void setCompatibility(String subject, Compatibility compatibility) {
    checkAvailable();
    compatibilities.put(subject, compatibility);
  }

  @Override
  public synchronized Optional<Compatibility> compatibility(String subject) {
    checkAvailable();
    return Optional.ofNullable(compatibilities.get(subject));
  }

  @Override
  public synchronized boolean isCompatible(String subject, Schema schema) {
    checkAvailable();
    return incompatibility(subject, schema) == null;
  }

  @Override
  public synchronized List<String> subjects() {
    checkAvailable();
    return versions.entrySet().stream().filter(e -> !e.getValue().isEmpty()).map(Map.Entry::getKey).toList();
  }

  private String incompatibility(String subject, Schema candidate) {
    List<Integer> ids = versions.getOrDefault(subject, List.of());
    if (ids.isEmpty()) {
      return null;
    }
    Compatibility c = compatibilities.getOrDefault(subject, defaultCompatibility);
    if (c == Compatibility.NONE) {
      return null;
    }
    List<Integer> against = c.transitive() ? ids : List.of(ids.get(ids.size() - 1));
    for (int id : against) {
      Schema old = schemasById.get(id);
      if (c.checksBackward()) {
        var r = SchemaCompatibility.checkReaderWriterCompatibility(candidate, old);
        if (r.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
          return c + ": new schema cannot read version with id " + id + ": " + r.getDescription();
        }
      }
      if (c.checksForward()) {
        var r = SchemaCompatibility.checkReaderWriterCompatibility(old, candidate);
        if (r.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
          return c + ": version with id " + id + " cannot read the new schema: " + r.getDescription();
        }
      }
    }
    return null;
  }
}
