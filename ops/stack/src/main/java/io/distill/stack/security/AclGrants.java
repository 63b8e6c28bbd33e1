package io.distill.stack.security;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * ALLOW entries for one principal from any host, collected fluently and applied with {@link SecureStack#apply}:
 *
 * <pre>{@code
 * stack.apply(AclGrants.forPrincipal("User:trainer")
 *         .topic("distill.checkpoints", AclOperation.WRITE, AclOperation.DESCRIBE)
 *         .topicPrefix("site-a.", AclOperation.READ)
 *         .group("distill-trainer-m", AclOperation.READ)
 *         .transactionalId("distill-trainer-m", AclOperation.WRITE, AclOperation.DESCRIBE));
 * }</pre>
 */
public final class AclGrants {

    private final String principal;
    private final List<AclBinding> bindings = new ArrayList<>();

    private AclGrants(String principal) {
        if (!principal.contains(":")) {
            throw new IllegalArgumentException("A principal is TYPE:NAME, e.g. User:trainer; got " + principal);
        }
        this.principal = principal;
    }

    public static AclGrants forPrincipal(String principal) {
        return new AclGrants(Objects.requireNonNull(principal, "principal"));
    }

    public static AclGrants forUser(ScramUser user) {
        return forPrincipal(user.principal());
    }

    public String principal() {
        return principal;
    }

    public AclGrants topic(String name, AclOperation... operations) {
        return add(ResourceType.TOPIC, name, PatternType.LITERAL, operations);
    }

    /** Every topic whose name starts with {@code prefix}. */
    public AclGrants topicPrefix(String prefix, AclOperation... operations) {
        return add(ResourceType.TOPIC, prefix, PatternType.PREFIXED, operations);
    }

    public AclGrants group(String name, AclOperation... operations) {
        return add(ResourceType.GROUP, name, PatternType.LITERAL, operations);
    }

    public AclGrants groupPrefix(String prefix, AclOperation... operations) {
        return add(ResourceType.GROUP, prefix, PatternType.PREFIXED, operations);
    }

    public AclGrants transactionalId(String id, AclOperation... operations) {
        return add(ResourceType.TRANSACTIONAL_ID, id, PatternType.LITERAL, operations);
    }

    public AclGrants transactionalIdPrefix(String prefix, AclOperation... operations) {
        return add(ResourceType.TRANSACTIONAL_ID, prefix, PatternType.PREFIXED, operations);
    }

    /** Operations on the cluster resource, e.g. {@code IDEMPOTENT_WRITE}, {@code DESCRIBE_CONFIGS}. */
    public AclGrants cluster(AclOperation... operations) {
        return add(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, operations);
    }

    /** Any further binding, e.g. one of the {@code AclBinding}s a service declares it needs. */
    public AclGrants add(ResourceType type, String name, PatternType patternType, AclOperation... operations) {
        if (operations.length == 0) {
            throw new IllegalArgumentException("No operation given for " + type + " " + name);
        }
        for (AclOperation op : operations) {
            bindings.add(new AclBinding(new ResourcePattern(type, name, patternType),
                    new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW)));
        }
        return this;
    }

    public List<AclBinding> bindings() {
        return Collections.unmodifiableList(bindings);
    }
}
