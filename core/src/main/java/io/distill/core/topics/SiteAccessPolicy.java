package io.distill.core.topics;

import io.distill.core.config.DistillConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * Who may read which site's training data, as Kafka ACL bindings (federated distillation). Each site's trainer runs
 * as its own principal ({@code acl.site.<id>.principal}, default {@code User:distill-site-<id>}); the topology, which
 * routes examples to the sites, runs as {@code acl.topology.principal} (default {@code User:distill-topology}).
 *
 * <ul>
 *   <li>a site principal may READ and DESCRIBE its own {@code examples.site-<id>} and {@code holdout.site-<id>}, and
 *       is explicitly DENIED READ on every other site's (a DENY wins over any broader ALLOW granted later);
 *   <li>it may READ its trainer's consumer group and WRITE/DESCRIBE its trainer's transactional id (both
 *       {@code distill-trainer-<model>.site-<id>});
 *   <li>it may READ, WRITE and DESCRIBE {@code checkpoints} and {@code checkpoint-blobs} (peers' knowledge flows
 *       only through checkpoints; Kafka ACLs cannot restrict keys, so a site could write a manifest under another
 *       site's model name: the fleet's model names are a matter of trust between sites) and WRITE dead letters;
 *   <li>the topology principal may WRITE and DESCRIBE every site topic.
 * </ul>
 *
 * <p>With an authorizer that denies what no ACL allows ({@code allow.everyone.if.no.acl.found=false}), a site
 * principal reading another site's topic gets a {@code TopicAuthorizationException}. {@link #bindings()} can be
 * given to {@code Admin.createAcls}; {@link #allowsRead} evaluates the bindings the way the broker does for topic
 * reads (DENY first, then ALLOW).
 */
public final class SiteAccessPolicy {

  /** Default principal of a site's trainer. */
  public static String defaultSitePrincipal(String site) {
    return "User:distill-site-" + site;
  }

  public static final String DEFAULT_TOPOLOGY_PRINCIPAL = "User:distill-topology";

  private final TopicCatalogue catalogue;
  private final String model;
  private final Map<String, String> sitePrincipals;
  private final String topologyPrincipal;

  /**
   * @param catalogue the topics, with {@code topics.sites}
   * @param model the base model name the site trainers publish under ({@code <model>.site-<id>})
   * @param sitePrincipals principal per site id; missing sites get {@link #defaultSitePrincipal}
   * @param topologyPrincipal the topology's principal
   */
  public SiteAccessPolicy(TopicCatalogue catalogue, String model, Map<String, String> sitePrincipals,
      String topologyPrincipal) {
    this.catalogue = catalogue;
    this.model = model;
    this.sitePrincipals = new LinkedHashMap<>();
    for (String site : catalogue.sites()) {
      this.sitePrincipals.put(site, sitePrincipals.getOrDefault(site, defaultSitePrincipal(site)));
    }
    this.topologyPrincipal = topologyPrincipal;
  }

  /** Reads {@code topics.sites}, {@code trainer.model}, {@code acl.site.<id>.principal}, {@code acl.topology.principal}. */
  public static SiteAccessPolicy fromConfig(DistillConfig config) {
    TopicCatalogue catalogue = TopicCatalogue.fromConfig(config);
    Map<String, String> principals = new LinkedHashMap<>();
    for (String site : catalogue.sites()) {
      principals.put(site, config.getString("acl.site." + site + ".principal", defaultSitePrincipal(site)));
    }
    return new SiteAccessPolicy(catalogue, config.getString("trainer.model", "fashion-student"), principals,
        config.getString("acl.topology.principal", DEFAULT_TOPOLOGY_PRINCIPAL));
  }

  public String principalOf(String site) {
    String p = sitePrincipals.get(site);
    if (p == null) {
      throw new IllegalArgumentException("site '" + site + "' is not one of topics.sites " + catalogue.sites());
    }
    return p;
  }

  /** The group id and transactional id of a site's trainer: {@code distill-trainer-<model>.site-<id>}. */
  public String trainerId(String site) {
    return "distill-trainer-" + model + ".site-" + site;
  }

  /** Every binding of the class comment, for all sites. */
  public List<AclBinding> bindings() {
    List<AclBinding> out = new ArrayList<>();
    for (String site : catalogue.sites()) {
      out.addAll(bindingsFor(site));
    }
    for (String site : catalogue.sites()) {
      for (String topic : List.of(catalogue.siteExamples(site), catalogue.siteHoldout(site))) {
        out.add(allow(topologyPrincipal, topic(topic), AclOperation.WRITE));
        out.add(allow(topologyPrincipal, topic(topic), AclOperation.DESCRIBE));
      }
    }
    return List.copyOf(out);
  }

  /** The bindings of one site's principal. */
  public List<AclBinding> bindingsFor(String site) {
    String principal = principalOf(site);
    List<AclBinding> out = new ArrayList<>();
    for (String topic : List.of(catalogue.siteExamples(site), catalogue.siteHoldout(site))) {
      out.add(allow(principal, topic(topic), AclOperation.READ));
      out.add(allow(principal, topic(topic), AclOperation.DESCRIBE));
    }
    for (String other : catalogue.sites()) {
      if (!other.equals(site)) {
        out.add(deny(principal, topic(catalogue.siteExamples(other)), AclOperation.READ));
        out.add(deny(principal, topic(catalogue.siteHoldout(other)), AclOperation.READ));
      }
    }
    out.add(allow(principal, new ResourcePattern(ResourceType.GROUP, trainerId(site), PatternType.LITERAL),
        AclOperation.READ));
    ResourcePattern txn = new ResourcePattern(ResourceType.TRANSACTIONAL_ID, trainerId(site), PatternType.LITERAL);
    out.add(allow(principal, txn, AclOperation.WRITE));
    out.add(allow(principal, txn, AclOperation.DESCRIBE));
    for (String topic : List.of(catalogue.checkpoints(), catalogue.checkpointBlobs())) {
      out.add(allow(principal, topic(topic), AclOperation.READ));
      out.add(allow(principal, topic(topic), AclOperation.WRITE));
      out.add(allow(principal, topic(topic), AclOperation.DESCRIBE));
    }
    out.add(allow(principal, topic(catalogue.deadLetters()), AclOperation.WRITE));
    out.add(allow(principal, topic(catalogue.deadLetters()), AclOperation.DESCRIBE));
    return List.copyOf(out);
  }

  /** Whether {@code principal} may read {@code topic} under these bindings alone (DENY wins; nothing allowed by default). */
  public boolean allowsRead(String principal, String topic) {
    boolean allowed = false;
    for (AclBinding b : bindings()) {
      ResourcePattern p = b.pattern();
      AccessControlEntry e = b.entry();
      if (p.resourceType() != ResourceType.TOPIC || !e.principal().equals(principal)
          || e.operation() != AclOperation.READ || !matches(p, topic)) {
        continue;
      }
      if (e.permissionType() == AclPermissionType.DENY) {
        return false;
      }
      allowed = true;
    }
    return allowed;
  }

  private static boolean matches(ResourcePattern p, String name) {
    return switch (p.patternType()) {
      case LITERAL -> p.name().equals(name) || p.name().equals(ResourcePattern.WILDCARD_RESOURCE);
      case PREFIXED -> name.startsWith(p.name());
      default -> false;
    };
  }

  private static ResourcePattern topic(String name) {
    return new ResourcePattern(ResourceType.TOPIC, name, PatternType.LITERAL);
  }

  private static AclBinding allow(String principal, ResourcePattern pattern, AclOperation op) {
    return new AclBinding(pattern, new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW));
  }

  private static AclBinding deny(String principal, ResourcePattern pattern, AclOperation op) {
    return new AclBinding(pattern, new AccessControlEntry(principal, "*", op, AclPermissionType.DENY));
  }
}
