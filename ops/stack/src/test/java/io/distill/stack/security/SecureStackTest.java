package io.distill.stack.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The secured broker on its own: who gets in on which listener, and that ACLs decide what they may do. */
@Tag("integration")
class SecureStackTest {

    static SecureStack stack;
    static String topic = "secured-topic";

    @BeforeAll
    static void start() throws Exception {
        stack = SecureStack.start();
        stack.admin().createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    private static Map<String, Object> quick(Map<String, Object> props) {
        Map<String, Object> p = new LinkedHashMap<>(props);
        p.putIfAbsent("default.api.timeout.ms", "5000");
        p.putIfAbsent("request.timeout.ms", "4000");
        p.put("max.block.ms", "5000");
        p.put("reconnect.backoff.max.ms", "200");
        return p;
    }

    private static Throwable describeClusterFailure(Map<String, Object> props) {
        try (Admin admin = Admin.create(quick(props))) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> admin.describeCluster().clusterId().get());
            return e.getCause();
        }
    }

    private static RecordMetadata send(Map<String, Object> props, String value) throws Exception {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(quick(props), new StringSerializer(), new StringSerializer())) {
            return p.send(new ProducerRecord<>(topic, "k", value)).get();
        }
    }

    @Test
    void scramUserWithAclWritesAndWithoutIsRefused() throws Exception {
        ScramUser writer = stack.createScramUser("writer");
        ScramUser stranger = stack.createScramUser("stranger");
        stack.apply(AclGrants.forUser(writer).topic(topic, AclOperation.WRITE, AclOperation.DESCRIBE));

        assertTrue(send(stack.saslClientProperties(writer), "allowed").offset() >= 0);
        ExecutionException denied = assertThrows(ExecutionException.class,
                () -> send(stack.saslClientProperties(stranger), "denied"));
        assertInstanceOf(TopicAuthorizationException.class, denied.getCause(), denied.toString());
    }

    @Test
    void wrongPasswordAndUnknownUserAreRefused() {
        ScramUser user = stack.createScramUser("someone");
        Throwable wrong = describeClusterFailure(stack.saslClientProperties(new ScramUser(user.name(), "not-the-password")));
        assertInstanceOf(SaslAuthenticationException.class, wrong, wrong.toString());
        Throwable unknown = describeClusterFailure(stack.saslClientProperties(new ScramUser("nobody", "whatever")));
        assertInstanceOf(SaslAuthenticationException.class, unknown, unknown.toString());
    }

    @Test
    void plaintextClientOnTheSaslPortNeverGetsAnAnswer() {
        // The broker waits for a TLS handshake that never comes and drops the connection: no answer, ever.
        Throwable t = describeClusterFailure(Map.of("bootstrap.servers", stack.saslBootstrapServers(),
                "default.api.timeout.ms", "2000", "request.timeout.ms", "1500"));
        assertInstanceOf(TimeoutException.class, t, t.toString());
    }

    @Test
    void mutualTlsNeedsACertificateSignedByTheCa() throws Exception {
        KeyMaterial trusted = stack.issueClientCertificate("mtls-client");
        stack.apply(AclGrants.forPrincipal("User:mtls-client").topic(topic, AclOperation.WRITE, AclOperation.DESCRIBE));
        assertTrue(send(stack.mtlsClientProperties(trusted), "over mTLS").offset() >= 0,
                "the certificate's CN is the principal the ACL names");

        Throwable none = describeClusterFailure(stack.mtlsClientProperties(null));
        assertInstanceOf(SslAuthenticationException.class, none, none.toString());
        KeyMaterial rogue = stack.certificateAuthority().selfSigned("rogue");
        Throwable untrusted = describeClusterFailure(stack.mtlsClientProperties(rogue));
        assertInstanceOf(SslAuthenticationException.class, untrusted, untrusted.toString());
    }

    @Test
    void revokedAclsStopTheNextWrite() throws Exception {
        ScramUser user = stack.createScramUser("revoked");
        stack.apply(AclGrants.forUser(user).topic(topic, AclOperation.WRITE, AclOperation.DESCRIBE));
        assertTrue(send(stack.saslClientProperties(user), "before").offset() >= 0);
        stack.revokeAll(user.principal());
        ExecutionException denied = assertThrows(ExecutionException.class,
                () -> send(stack.saslClientProperties(user), "after"));
        assertInstanceOf(TopicAuthorizationException.class, denied.getCause(), denied.toString());
        assertEquals(List.of(), stack.admin().describeAcls(new org.apache.kafka.common.acl.AclBindingFilter(
                org.apache.kafka.common.resource.ResourcePatternFilter.ANY,
                new org.apache.kafka.common.acl.AccessControlEntryFilter(user.principal(), null, AclOperation.ANY,
                        org.apache.kafka.common.acl.AclPermissionType.ANY))).values().get(5, java.util.concurrent.TimeUnit.SECONDS));
    }
}
