package io.distill.stack.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.stack.EmbeddedStack;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@IntegrationTest
class StackExtensionTest {

    private static EmbeddedStack fromBeforeAll;
    private final EmbeddedStack fromConstructor;

    StackExtensionTest(EmbeddedStack stack) {
        this.fromConstructor = stack;
    }

    @BeforeAll
    static void beforeAll(EmbeddedStack stack) {
        fromBeforeAll = stack;
    }

    @Test
    void oneStackPerJvm(EmbeddedStack stack) {
        assertSame(stack, fromBeforeAll);
        assertSame(stack, fromConstructor);
        assertSame(stack, StackExtension.shared());
        assertTrue(stack.bootstrapServers().startsWith("127.0.0.1:"));
    }

    @Test
    void uniqueTopicsAndQuickCreation(EmbeddedStack stack) throws Exception {
        String a = stack.uniqueTopic("orders");
        String b = stack.uniqueTopic("orders");
        assertNotEquals(a, b);
        assertTrue(a.startsWith("orders-"), a);

        stack.createTopic(a, 3);
        stack.createTopic(a, 3); // already there: not an error
        try (Admin admin = stack.adminClient()) {
            TopicDescription d = admin.describeTopics(Set.of(a)).allTopicNames().get().get(a);
            assertEquals(3, d.partitions().size());
        }
    }

    @Test
    void integrationTag() {
        Tag tag = IntegrationTest.class.getAnnotation(Tag.class);
        assertEquals("integration", tag.value());
    }
}
