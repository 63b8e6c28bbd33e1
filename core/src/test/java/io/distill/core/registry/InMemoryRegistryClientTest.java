package io.distill.core.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;

class InMemoryRegistryClientTest {
  private static final Schema V1 = SchemaBuilder.record("R").fields().requiredString("a").endRecord();
  private static final Schema V2_OPTIONAL = SchemaBuilder.record("R").fields().requiredString("a")
      .name("b").type().intType().intDefault(0).endRecord();
  private static final Schema V3_TYPE_CHANGED = SchemaBuilder.record("R").fields().requiredInt("a").endRecord();

  @Test
  void sameSchemaSameIdAcrossSubjects() {
    InMemoryRegistryClient r = new InMemoryRegistryClient();
    int id = r.register("x-value", V1);
    assertEquals(id, r.register("x-value", V1));
    assertEquals(id, r.register("y-value", V1));
    assertEquals(V1, r.schemaById(id));
    assertEquals(List.of("x-value", "y-value"), r.subjects());
    assertEquals(1, r.latest("x-value").version());
  }

  @Test
  void enforcesCompatibility() {
    InMemoryRegistryClient r = new InMemoryRegistryClient();
    r.setCompatibility("s", Compatibility.FULL_TRANSITIVE);
    r.register("s", V1);
    assertTrue(r.isCompatible("s", V2_OPTIONAL));
    assertFalse(r.isCompatible("s", V3_TYPE_CHANGED));
    int v2 = r.register("s", V2_OPTIONAL);
    assertThrows(IncompatibleSchemaException.class, () -> r.register("s", V3_TYPE_CHANGED));
    assertEquals(v2, r.latest("s").id());
    r.setCompatibility("s", Compatibility.NONE);
    r.register("s", V3_TYPE_CHANGED);
    assertEquals(3, r.latest("s").version());
  }

  @Test
  void unavailableModeFailsEveryCall() {
    InMemoryRegistryClient r = new InMemoryRegistryClient();
    r.setUnavailable(true);
    assertThrows(RegistryUnavailableException.class, () -> r.register("s", V1));
    assertThrows(RegistryUnavailableException.class, () -> r.schemaById(1));
  }
}
