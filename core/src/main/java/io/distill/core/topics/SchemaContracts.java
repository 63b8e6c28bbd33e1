package io.distill.core.topics;

import io.distill.core.registry.Compatibility;
import io.distill.core.registry.RegistryClient;
import io.distill.core.registry.SubjectNotFoundException;
import io.distill.core.registry.TopicNameStrategy;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers the value contract of every topic under {@code <topic>-value} with its compatibility
 * rule: {@code FULL_TRANSITIVE} for topics applications write (requests, ground-truth: producers and
 * consumers upgrade independently, in any order), {@code BACKWARD_TRANSITIVE} for Distill's own
 * (consumers upgrade first and must read everything still retained).
 */
public final class SchemaContracts {
  private static final Logger log = LoggerFactory.getLogger(SchemaContracts.class);

  private SchemaContracts() {}

  public static Compatibility compatibilityOf(DistillTopic topic) {
    return topic.externallyWritten() ? Compatibility.FULL_TRANSITIVE : Compatibility.BACKWARD_TRANSITIVE;
  }

  /**
   * Sets each subject's compatibility, then registers the schema, so the registration is checked
   * against the rule. Idempotent. Returns the schema id per subject.
   *
   * @throws io.distill.core.registry.IncompatibleSchemaException when a contract breaks its rule
   */
  public static Map<String, Integer> register(RegistryClient registry, TopicCatalogue catalogue) {
    Map<String, Integer> ids = new LinkedHashMap<>();
    for (DistillTopic t : DistillTopic.values()) {
      if (t.valueType() == null) {
        continue;
      }
      String subject = TopicNameStrategy.subject(catalogue.name(t), false);
      Schema schema = SpecificData.get().getSchema(t.valueType());
      Compatibility c = compatibilityOf(t);
      int id;
      try {
        registry.setCompatibility(subject, c);
        id = registry.register(subject, schema);
      } catch (SubjectNotFoundException e) {
        // Registries that keep configuration only for existing subjects: register first.
        id = registry.register(subject, schema);
        registry.setCompatibility(subject, c);
      }
      ids.put(subject, id);
      log.info("schema contract {} registered as id {} with compatibility {}", subject, id, c);
    }
    for (TopicDefinition d : catalogue.siteDefinitions()) {
      ids.put(TopicNameStrategy.subject(d.name(), false), register(registry, d.name(), d.topic()));
    }
    return ids;
  }

  /** A per-site topic carries the contract of the topic it is a copy of. */
  private static int register(RegistryClient registry, String topicName, DistillTopic t) {
    String subject = TopicNameStrategy.subject(topicName, false);
    Schema schema = SpecificData.get().getSchema(t.valueType());
    Compatibility c = compatibilityOf(t);
    int id;
    try {
      registry.setCompatibility(subject, c);
      id = registry.register(subject, schema);
    } catch (SubjectNotFoundException e) {
      id = registry.register(subject, schema);
      registry.setCompatibility(subject, c);
    }
    log.info("schema contract {} registered as id {} with compatibility {}", subject, id, c);
    return id;
  }
}
