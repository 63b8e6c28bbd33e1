package io.distill.core.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.topics.TopicCatalogue;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

class ServiceAclsTest {

    private final TopicCatalogue topics = TopicCatalogue.builder().prefix("p.").build();

    private static Set<String> topicsWith(List<AclBinding> bindings, AclOperation op) {
        return bindings.stream()
                .filter(b -> b.pattern().resourceType() == ResourceType.TOPIC && b.entry().operation() == op)
                .map(b -> b.pattern().name()).collect(Collectors.toSet());
    }

    @Test
    void aTeacherGetsItsTopicsGroupAndTransactionsAndNothingOfTheCheckpoints() {
        List<AclBinding> teacher = ServiceAcls.teacher("User:t", topics, "cnn-a");
        assertEquals(Set.of("p.requests"), topicsWith(teacher, AclOperation.READ));
        assertEquals(Set.of("p.soft-labels", "p.responses", "p.dead-letters"), topicsWith(teacher, AclOperation.WRITE));
        assertTrue(teacher.stream().anyMatch(b -> b.pattern().resourceType() == ResourceType.GROUP
                && b.pattern().name().equals("p.teacher.cnn-a")));
        assertTrue(teacher.stream().allMatch(b -> b.entry().permissionType() == AclPermissionType.ALLOW
                && b.entry().principal().equals("User:t")));
    }

    @Test
    void onlyTheOperatorAndAnAutoRollingBackServerWriteControlRecords() {
        String control = topics.checkpointControl();
        assertTrue(topicsWith(ServiceAcls.operator("User:o", topics), AclOperation.WRITE).contains(control));
        assertFalse(topicsWith(ServiceAcls.trainer("User:tr", topics, "g", "tx"), AclOperation.WRITE).contains(control));
        assertFalse(topicsWith(ServiceAcls.topology("User:to", topics, "app"), AclOperation.WRITE).contains(control));
        assertFalse(topicsWith(ServiceAcls.studentServer("User:s", topics, "m", "g", true, true, false),
                AclOperation.WRITE).contains(control));
        assertTrue(topicsWith(ServiceAcls.studentServer("User:s", topics, "m", "g", false, true, true),
                AclOperation.WRITE).contains(control));
    }

    @Test
    void theTrainerWritesCheckpointsInItsOwnTransactions() {
        List<AclBinding> trainer = ServiceAcls.trainer("User:tr", topics, "distill-trainer-m", "distill-trainer-m");
        assertEquals(Set.of("p.checkpoints", "p.checkpoint-blobs", "p.dead-letters"), topicsWith(trainer, AclOperation.WRITE));
        assertTrue(trainer.stream().anyMatch(b -> b.pattern().resourceType() == ResourceType.TRANSACTIONAL_ID
                && b.pattern().name().equals("distill-trainer-m") && b.entry().operation() == AclOperation.WRITE));
        assertEquals("ALLOW User:tr READ TOPIC LITERAL p.examples", ServiceAcls.describe(trainer).get(0));
    }

    @Test
    void aPrincipalNeedsAType() {
        assertThrows(IllegalArgumentException.class, () -> ServiceAcls.operator("operator", topics));
    }
}
