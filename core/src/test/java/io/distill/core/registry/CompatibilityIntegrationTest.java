package io.distill.core.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distill.core.topics.DistillTopic;
import io.distill.core.topics.SchemaContracts;
import io.distill.core.topics.TopicCatalogue;
import io.distill.schema.InferenceRequest;
import io.distill.schema.SoftLabel;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.junit.IntegrationTest;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/** Subject compatibility rules as the real registry enforces them. */
@IntegrationTest
class CompatibilityIntegrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final EmbeddedStack stack;
  private final HttpRegistryClient registry;

  CompatibilityIntegrationTest(EmbeddedStack stack) {
    this.stack = stack;
    this.registry = HttpRegistryClient.create(stack.registryUrl());
  }

  /** {@code base} with its JSON edited. */
  private static Schema evolve(Schema base, Consumer<ObjectNode> edit) {
    try {
      ObjectNode json = (ObjectNode) JSON.readTree(base.toString());
      edit.accept(json);
      return new Schema.Parser().parse(json.toString());
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Consumer<ObjectNode> addField(String name, String type, Object defaultValue) {
    return json -> {
      ObjectNode f = ((ArrayNode) json.get("fields")).addObject().put("name", name);
      if (type.startsWith("[")) {
        try {
          f.set("type", JSON.readTree(type));
        } catch (java.io.IOException e) {
          throw new IllegalStateException(e);
        }
      } else {
        f.put("type", type);
      }
      if (defaultValue == NO_DEFAULT) {
        return;
      }
      f.set("default", JSON.valueToTree(defaultValue));
    };
  }

  private static final Object NO_DEFAULT = new Object();

  private static Consumer<ObjectNode> removeField(String name) {
    return json -> {
      ArrayNode fields = (ArrayNode) json.get("fields");
      for (int i = 0; i < fields.size(); i++) {
        if (fields.get(i).get("name").asText().equals(name)) {
          fields.remove(i);
          return;
        }
      }
      throw new IllegalArgumentException("no field " + name);
    };
  }

  private static Consumer<ObjectNode> retype(String name, String type) {
    return json -> {
      for (JsonNode f : json.get("fields")) {
        if (f.get("name").asText().equals(name)) {
          ((ObjectNode) f).put("type", type);
          return;
        }
      }
      throw new IllegalArgumentException("no field " + name);
    };
  }

  private TopicCatalogue registeredCatalogue() {
    TopicCatalogue catalogue = TopicCatalogue.builder().prefix(stack.uniqueTopic("compat") + ".").build();
    Map<String, Integer> ids = SchemaContracts.register(registry, catalogue);
    assertEquals(9, ids.size());
    return catalogue;
  }

  @Test
  void contractsAreRegisteredWithTheirRules() {
    TopicCatalogue catalogue = registeredCatalogue();
    for (DistillTopic t : DistillTopic.values()) {
      if (t.valueType() == null) {
        continue;
      }
      String subject = catalogue.name(t) + "-value";
      assertTrue(registry.subjects().contains(subject), subject);
      assertEquals(Optional.of(SchemaContracts.compatibilityOf(t)), registry.compatibility(subject), subject);
      assertEquals(1, registry.latest(subject).version(), subject);
    }
    assertEquals(Optional.of(Compatibility.FULL_TRANSITIVE), registry.compatibility(catalogue.requests() + "-value"));
    assertEquals(Optional.of(Compatibility.BACKWARD_TRANSITIVE), registry.compatibility(catalogue.examples() + "-value"));
    // Registering again changes nothing.
    SchemaContracts.register(registry, catalogue);
    assertEquals(1, registry.latest(catalogue.softLabels() + "-value").version());
  }

  @Test
  void backwardTransitiveAcceptsAnOptionalFieldAndRefusesBreakingChanges() {
    String subject = registeredCatalogue().softLabels() + "-value";
    Schema v1 = SoftLabel.getClassSchema();

    Schema withOptional = evolve(v1, addField("batchId", "[\"null\",\"string\"]", null));
    assertTrue(registry.isCompatible(subject, withOptional));
    int v2 = registry.register(subject, withOptional);
    assertNotEquals(registry.lookup(subject, v1).orElseThrow().id(), v2);
    assertEquals(2, registry.latest(subject).version());

    Schema changedType = evolve(withOptional, retype("argmax", "string"));
    assertFalse(registry.isCompatible(subject, changedType));
    assertThrows(IncompatibleSchemaException.class, () -> registry.register(subject, changedType));

    Schema requiredWithoutDefault = evolve(withOptional, addField("shard", "int", NO_DEFAULT));
    assertThrows(IncompatibleSchemaException.class, () -> registry.register(subject, requiredWithoutDefault));

    assertEquals(2, registry.latest(subject).version(), "refused schemas left no version");
  }

  @Test
  void transitiveRulesCheckEveryEarlierVersion() {
    String subject = registeredCatalogue().softLabels() + "-value";
    Schema v1 = SoftLabel.getClassSchema();
    Schema v2 = evolve(v1, addField("shard", "int", 0));
    registry.register(subject, v2);
    // Reads v2 data (shard present) but not v1 data (shard missing, no default).
    Schema v3 = evolve(v1, addField("shard", "int", NO_DEFAULT));
    assertThrows(IncompatibleSchemaException.class, () -> registry.register(subject, v3));

    // The same change is accepted where only the latest version counts.
    String plain = stack.uniqueTopic("plain") + "-value";
    registry.setCompatibility(plain, Compatibility.BACKWARD);
    registry.register(plain, v1);
    registry.register(plain, v2);
    registry.register(plain, v3);
    assertEquals(3, registry.latest(plain).version());
  }

  @Test
  void fullTransitiveForExternallyWrittenTopics() {
    String subject = registeredCatalogue().requests() + "-value";
    Schema v1 = InferenceRequest.getClassSchema();

    Schema withOptional = evolve(v1, addField("priority", "int", 0));
    registry.register(subject, withOptional);
    assertEquals(2, registry.latest(subject).version());

    Schema removedRequired = evolve(withOptional, removeField("sourceId"));
    assertFalse(registry.isCompatible(subject, removedRequired));
    assertThrows(IncompatibleSchemaException.class, () -> registry.register(subject, removedRequired));

    Schema changedType = evolve(withOptional, retype("task", "int"));
    assertThrows(IncompatibleSchemaException.class, () -> registry.register(subject, changedType));
    assertEquals(2, registry.latest(subject).version());
  }
}
