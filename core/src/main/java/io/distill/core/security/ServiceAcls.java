package io.distill.core.security;

import io.distill.core.topics.TopicCatalogue;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The Kafka ACLs each role's principal needs on a cluster with an authorizer, derived from the topic catalogue: the
 * least that lets the role do its work, and nothing more (a teacher cannot write checkpoints or control records, nor
 * read ground truth). {@code docs/SECURITY.md} lists the same table; the security integration tests grant exactly
 * these bindings. READ on a topic or group implies DESCRIBE; WRITE on a topic lets a producer be idempotent.
 *
 * <p>Topic creation is an administrator's job ({@code distill topics create}) and needs no grant here.
 */
public final class ServiceAcls {

    private final String principal;
    private final List<AclBinding> bindings = new ArrayList<>();

    private ServiceAcls(String principal) {
        if (!principal.contains(":")) {
            throw new IllegalArgumentException("a principal is TYPE:NAME, e.g. User:trainer; got " + principal);
        }
        this.principal = principal;
    }

    /**
     * teacher-service for one teacher id: reads requests in the group {@code <prefix>teacher.<id>}, writes soft labels,
     * predictions and dead letters in transactions with the ids {@code <prefix>teacher.<id>.<instance>}.
     */
    public static List<AclBinding> teacher(String principal, TopicCatalogue topics, String teacherId) {
        String group = topics.prefix() + "teacher." + teacherId;
        return new ServiceAcls(principal)
                .topic(topics.requests(), AclOperation.READ)
                .topic(topics.softLabels(), AclOperation.WRITE, AclOperation.DESCRIBE)
                .topic(topics.responses(), AclOperation.WRITE, AclOperation.DESCRIBE)
                .topic(topics.deadLetters(), AclOperation.WRITE, AclOperation.DESCRIBE)
                .add(ResourceType.GROUP, group, PatternType.LITERAL, AclOperation.READ)
                .add(ResourceType.TRANSACTIONAL_ID, group + ".", PatternType.PREFIXED, AclOperation.WRITE, AclOperation.DESCRIBE)
                .bindings;
    }

    /**
     * The topology (Kafka Streams, exactly-once v2): reads requests, soft labels and ground truth; writes examples,
     * hold-out and dead letters; owns every internal topic, its group and its transactional ids, all named after
     * {@code application.id}.
     */
    public static List<AclBinding> topology(String principal, TopicCatalogue topics, String applicationId) {
        return new ServiceAcls(principal)
                .topic(topics.requests(), AclOperation.READ)
                .topic(topics.softLabels(), AclOperation.READ)
                .topic(topics.groundTruth(), AclOperation.READ)
                .topic(topics.examples(), AclOperation.WRITE, AclOperation.DESCRIBE)
                .topic(topics.holdout(), AclOperation.WRITE, AclOperation.DESCRIBE)
                .topic(topics.deadLetters(), AclOperation.WRITE, AclOperation.DESCRIBE)
                .add(ResourceType.TOPIC, applicationId + "-", PatternType.PREFIXED, AclOperation.ALL)
                .add(ResourceType.GROUP, applicationId, PatternType.LITERAL, AclOperation.READ)
                .add(ResourceType.TRANSACTIONAL_ID, applicationId + "-", PatternType.PREFIXED, AclOperation.WRITE,
                        AclOperation.DESCRIBE)
                .bindings;
    }

    /**
     * student-trainer for one model: reads examples (group {@code groupId}, whose offsets it commits in its
     * transactions) and hold-out; reads and writes manifests and blob chunks (lineage, restore, publication) in
     * transactions with the id {@code transactionalId}; writes dead letters.
     */
    public static List<AclBinding> trainer(String principal, TopicCatalogue topics, String groupId, String transactionalId) {
        return new ServiceAcls(principal)
                .topic(topics.examples(), AclOperation.READ)
                .topic(topics.holdout(), AclOperation.READ)
                .topic(topics.checkpoints(), AclOperation.READ, AclOperation.WRITE)
                .topic(topics.checkpointBlobs(), AclOperation.READ, AclOperation.WRITE)
                .topic(topics.deadLetters(), AclOperation.WRITE, AclOperation.DESCRIBE)
                .add(ResourceType.GROUP, groupId, PatternType.LITERAL, AclOperation.READ)
                .add(ResourceType.TRANSACTIONAL_ID, transactionalId, PatternType.LITERAL, AclOperation.WRITE,
                        AclOperation.DESCRIBE)
                .bindings;
    }

    /**
     * A student server of one model: reads manifests, blob chunks and control records (no group) and writes dead
     * letters. With Kafka inference it also reads requests in the group {@code groupId} and answers on responses in
     * transactions with ids starting {@code distill-serving-<model>-}; with live quality it reads soft labels; with
     * automatic rollback it writes control records.
     */
    public static List<AclBinding> studentServer(String principal, TopicCatalogue topics, String model, String groupId,
                                                 boolean kafkaInference, boolean liveQuality, boolean autoRollback) {
        ServiceAcls acls = new ServiceAcls(principal)
                .topic(topics.checkpoints(), AclOperation.READ)
                .topic(topics.checkpointBlobs(), AclOperation.READ)
                .topic(topics.checkpointControl(), AclOperation.READ)
                .topic(topics.deadLetters(), AclOperation.WRITE, AclOperation.DESCRIBE);
        if (kafkaInference) {
            acls.topic(topics.requests(), AclOperation.READ)
                    .topic(topics.responses(), AclOperation.WRITE, AclOperation.DESCRIBE)
                    .add(ResourceType.GROUP, groupId, PatternType.LITERAL, AclOperation.READ)
                    .add(ResourceType.TRANSACTIONAL_ID, "distill-serving-" + model + "-", PatternType.PREFIXED,
                            AclOperation.WRITE, AclOperation.DESCRIBE);
        }
        if (liveQuality) {
            acls.topic(topics.softLabels(), AclOperation.READ);
        }
        if (autoRollback) {
            acls.topic(topics.checkpointControl(), AclOperation.WRITE);
        }
        return acls.bindings;
    }

    /**
     * The fleet operator ({@code distill checkpoints list|show|pin|unpin|rollback|retire}): reads manifests and
     * control records, writes control records (who may do so is exactly who holds this WRITE), and for {@code retire}
     * writes tombstones to manifests and blob chunks.
     */
    public static List<AclBinding> operator(String principal, TopicCatalogue topics) {
        return new ServiceAcls(principal)
                .topic(topics.checkpoints(), AclOperation.READ, AclOperation.WRITE)
                .topic(topics.checkpointBlobs(), AclOperation.WRITE, AclOperation.DESCRIBE)
                .topic(topics.checkpointControl(), AclOperation.READ, AclOperation.WRITE)
                .bindings;
    }

    /** An application (or {@code distill load}): writes requests and ground truth, reads responses. */
    public static List<AclBinding> application(String principal, TopicCatalogue topics) {
        return new ServiceAcls(principal)
                .topic(topics.requests(), AclOperation.WRITE, AclOperation.DESCRIBE)
                .topic(topics.groundTruth(), AclOperation.WRITE, AclOperation.DESCRIBE)
                .topic(topics.responses(), AclOperation.READ)
                .bindings;
    }

    private ServiceAcls topic(String name, AclOperation... operations) {
        return add(ResourceType.TOPIC, name, PatternType.LITERAL, operations);
    }

    private ServiceAcls add(ResourceType type, String name, PatternType pattern, AclOperation... operations) {
        for (AclOperation op : operations) {
            bindings.add(new AclBinding(new ResourcePattern(type, name, pattern),
                    new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW)));
        }
        return this;
    }

    /** One line per binding, {@code ALLOW <principal> <OP> <TYPE> <PATTERN> <name>}, for printing. */
    public static List<String> describe(List<AclBinding> bindings) {
        List<String> out = new ArrayList<>();
        for (AclBinding b : bindings) {
            out.add("ALLOW " + b.entry().principal() + " " + b.entry().operation() + " " + b.pattern().resourceType()
                    + " " + b.pattern().patternType() + " " + b.pattern().name());
        }
        return Collections.unmodifiableList(out);
    }
}
