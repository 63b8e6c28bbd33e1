package io.distill.core.topics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.config.ConfigException;
import io.distill.core.config.DistillConfig;
import io.distill.core.registry.InMemoryRegistryClient;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

class SiteTopicsTest {

  private static final TopicCatalogue SITES = TopicCatalogue.builder().prefix("p.").partitions(4).sites(List.of("a", "b")).build();

  @Test
  void eachSiteGetsItsOwnExamplesAndHoldoutTopics() {
    assertEquals("p.examples.site-a", SITES.siteExamples("a"));
    assertEquals("p.holdout.site-b", SITES.siteHoldout("b"));
    assertEquals(List.of("p.examples.site-a", "p.holdout.site-a", "p.examples.site-b", "p.holdout.site-b"),
        SITES.siteDefinitions().stream().map(TopicDefinition::name).toList());
    for (TopicDefinition d : SITES.siteDefinitions()) {
      assertEquals(4, d.partitions(), d.name());
      assertEquals(SITES.definition(d.topic()).configs(), d.configs(), d.name());
    }
    assertEquals(14, SITES.definitions().size(), "the design's ten topics and two per site");
    assertTrue(TopicCatalogue.defaults().siteDefinitions().isEmpty());
  }

  @Test
  void refusesUnknownSitesAndTopicsWithoutSiteCopies() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SITES.siteExamples("c"));
    assertTrue(e.getMessage().contains("'c'"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> SITES.siteTopic(DistillTopic.REQUESTS, "a"));
  }

  @Test
  void readsSitesFromConfigAndRejectsBadIds() {
    TopicCatalogue c = TopicCatalogue.fromConfig(DistillConfig.of(Map.of("topics.sites", "east, west")));
    assertEquals(List.of("east", "west"), c.sites());
    ConfigException bad = assertThrows(ConfigException.class,
        () -> TopicCatalogue.fromConfig(DistillConfig.of(Map.of("topics.sites", "a,b.c"))));
    assertTrue(bad.getMessage().contains("b.c"), bad.getMessage());
    assertThrows(ConfigException.class, () -> TopicCatalogue.fromConfig(DistillConfig.of(Map.of("topics.sites", "a,a"))));
  }

  @Test
  void siteTopicsCarryTheExampleContract() {
    InMemoryRegistryClient registry = new InMemoryRegistryClient();
    Map<String, Integer> ids = SchemaContracts.register(registry, SITES);
    assertEquals(ids.get("p.examples-value"), ids.get("p.examples.site-a-value"));
    assertEquals(ids.get("p.holdout-value"), ids.get("p.holdout.site-b-value"));
    Topics topics = SITES.topics(registry, false);
    assertEquals("p.examples.site-b", topics.siteExamples("b").name());
  }

  @Test
  void aSitePrincipalMayReadOnlyItsOwnSiteTopics() {
    SiteAccessPolicy policy = new SiteAccessPolicy(SITES, "student", Map.of("b", "User:east"), "User:router");
    String a = policy.principalOf("a");
    assertEquals("User:distill-site-a", a);
    assertEquals("User:east", policy.principalOf("b"));
    assertTrue(policy.allowsRead(a, "p.examples.site-a"));
    assertTrue(policy.allowsRead(a, "p.holdout.site-a"));
    assertFalse(policy.allowsRead(a, "p.examples.site-b"));
    assertFalse(policy.allowsRead(a, "p.holdout.site-b"));
    assertTrue(policy.allowsRead("User:east", "p.examples.site-b"));
    assertFalse(policy.allowsRead("User:east", "p.examples.site-a"));
    assertFalse(policy.allowsRead("User:router", "p.examples.site-a"), "the topology only writes site topics");
    // Both sites follow each other's checkpoints.
    assertTrue(policy.allowsRead(a, "p.checkpoints"));
    assertTrue(policy.allowsRead("User:east", "p.checkpoint-blobs"));

    List<AclBinding> denies = policy.bindingsFor("a").stream()
        .filter(b -> b.entry().permissionType() == AclPermissionType.DENY).toList();
    assertEquals(2, denies.size());
    assertTrue(denies.stream().allMatch(b -> b.pattern().resourceType() == ResourceType.TOPIC
        && b.pattern().name().endsWith(".site-b") && b.entry().operation() == AclOperation.READ));
    assertTrue(policy.bindingsFor("a").stream().anyMatch(b -> b.pattern().resourceType() == ResourceType.TRANSACTIONAL_ID
        && b.pattern().name().equals("distill-trainer-student.site-a")));
  }
}
