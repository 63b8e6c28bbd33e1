package io.distill.core.topics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.distill.core.registry.Compatibility;
import io.distill.core.registry.InMemoryRegistryClient;
import io.distill.core.registry.IncompatibleSchemaException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class SchemaContractsTest {

  @Test
  void registersEveryAvroValueContractWithItsRule() {
    InMemoryRegistryClient registry = new InMemoryRegistryClient();
    TopicCatalogue catalogue = TopicCatalogue.defaults();
    Map<String, Integer> ids = SchemaContracts.register(registry, catalogue);
    assertEquals(List.of("distill.checkpoint-control-value", "distill.checkpoints-value", "distill.dead-letters-value",
        "distill.examples-value", "distill.ground-truth-value", "distill.holdout-value", "distill.requests-value",
        "distill.responses-value", "distill.soft-labels-value"), registry.subjects());
    assertEquals(9, ids.size());
    assertEquals(ids.get("distill.examples-value"), ids.get("distill.holdout-value"), "one schema, one id");
    assertEquals(Optional.of(Compatibility.FULL_TRANSITIVE), registry.compatibility("distill.requests-value"));
    assertEquals(Optional.of(Compatibility.FULL_TRANSITIVE), registry.compatibility("distill.ground-truth-value"));
    assertEquals(Optional.of(Compatibility.BACKWARD_TRANSITIVE), registry.compatibility("distill.soft-labels-value"));
    assertEquals(Optional.of(Compatibility.BACKWARD_TRANSITIVE), registry.compatibility("distill.checkpoints-value"));
    assertEquals(ids, SchemaContracts.register(registry, catalogue), "idempotent");
  }

  @Test
  void refusesAContractThatBreaksItsRule() {
    InMemoryRegistryClient registry = new InMemoryRegistryClient(Compatibility.NONE);
    Schema breaking = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"GroundTruth\",\"namespace\":\"io.distill.schema\","
        + "\"fields\":[{\"name\":\"requestId\",\"type\":\"string\"},{\"name\":\"label\",\"type\":\"string\"}]}");
    registry.register("distill.ground-truth-value", breaking);
    assertThrows(IncompatibleSchemaException.class, () -> SchemaContracts.register(registry, TopicCatalogue.defaults()));
  }
}
