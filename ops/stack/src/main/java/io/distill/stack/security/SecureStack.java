package io.distill.stack.security;

import io.distill.stack.EmbeddedKafka;
import io.distill.stack.Listener;
import io.distill.stack.StackException;
import io.distill.stack.StackOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka broker that authenticates and authorizes its clients, for security tests and for trying a secured setup
 * on one machine. On top of {@link EmbeddedKafka} (in this JVM) it has:
 *
 * <ul>
 *   <li>a {@value #SASL_LISTENER} listener: TLS, then SASL SCRAM-SHA-512; users are created with
 *       {@link #createScramUser(String)} through the Admin API (the credentials live in the KRaft metadata);</li>
 *   <li>an {@value #MTLS_LISTENER} listener that requires a client certificate signed by the stack's
 *       {@link CertificateAuthority}; the certificate's {@code CN=<name>} becomes the principal {@code User:<name>};</li>
 *   <li>KRaft's {@code StandardAuthorizer}: without an ACL nothing is allowed ({@link AclGrants}, {@link #apply}).</li>
 * </ul>
 *
 * <p>The stack's own {@code PLAINTEXT} listener (broker-to-controller traffic) stays on 127.0.0.1; its principal,
 * {@code User:ANONYMOUS}, is the super user, and {@link #admin()} uses it to create users and ACLs. A secured
 * production cluster would not keep such a listener: this is a test fixture.
 *
 * <p>Key stores and the trust store are made with the JDK's {@code keytool} under the stack's directory.
 */
public final class SecureStack implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SecureStack.class);

    /** Listener for SASL SCRAM-SHA-512 over TLS. */
    public static final String SASL_LISTENER = "SASL_SSL";
    /** Listener for mutual TLS. */
    public static final String MTLS_LISTENER = "SSL";
    public static final String SCRAM_MECHANISM = "SCRAM-SHA-512";
    /** Turns the certificate subject {@code CN=name,...} into the principal name {@code name}. */
    public static final String PRINCIPAL_MAPPING_RULES = "RULE:^CN=([^,]+)(,.*)?$/$1/,DEFAULT";

    private static final Duration PROPAGATION_TIMEOUT = Duration.ofSeconds(30);

    private final Path dir;
    private final boolean deleteOnClose;
    private final CertificateAuthority ca;
    private final KeyMaterial brokerKey;
    private EmbeddedKafka kafka;
    private Admin admin;

    private SecureStack(Path dir, boolean deleteOnClose) {
        this.dir = dir;
        this.deleteOnClose = deleteOnClose;
        long t0 = System.nanoTime();
        this.ca = CertificateAuthority.create(dir.resolve("tls"));
        this.brokerKey = ca.issueServer("broker");
        LOG.info("Certificate authority and broker key made with keytool in {} ms",
                (System.nanoTime() - t0) / 1_000_000);
    }

    /** A secured broker in a temporary directory, deleted on {@link #close()}. */
    public static SecureStack start() {
        try {
            return start(Files.createTempDirectory("distill-secure-"), true, Map.of());
        } catch (IOException e) {
            throw new StackException("Cannot create a temporary directory: " + e.getMessage(), e);
        }
    }

    /**
     * A secured broker keeping its files (key stores, Kafka data) under {@code dir}, with {@code brokerProperties}
     * on top of its own settings.
     */
    public static SecureStack start(Path dir, boolean deleteOnClose, Map<String, String> brokerProperties) {
        SecureStack stack = new SecureStack(dir.toAbsolutePath(), deleteOnClose);
        try {
            stack.startKafka(brokerProperties);
            return stack;
        } catch (RuntimeException e) {
            stack.close();
            throw e;
        }
    }

    private void startKafka(Map<String, String> extra) {
        String sasl = SASL_LISTENER.toLowerCase(java.util.Locale.ROOT);
        String mtls = MTLS_LISTENER.toLowerCase(java.util.Locale.ROOT);
        StackOptions.Builder options = StackOptions.builder()
                .workDir(dir)
                .deleteWorkDirOnClose(false)
                .registryEnabled(false)
                .listener(Listener.of(SASL_LISTENER, 0))
                .listener(Listener.of(MTLS_LISTENER, 0));
        Map<String, String> p = new LinkedHashMap<>();
        p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        p.put("super.users", "User:ANONYMOUS");
        p.put("allow.everyone.if.no.acl.found", "false");
        p.put("sasl.enabled.mechanisms", SCRAM_MECHANISM);
        p.put("listener.name." + sasl + ".sasl.enabled.mechanisms", SCRAM_MECHANISM);
        p.put("listener.name." + sasl + ".scram-sha-512.sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        for (String listener : List.of(sasl, mtls)) {
            String prefix = "listener.name." + listener + ".";
            p.put(prefix + "ssl.keystore.location", brokerKey.location().toString());
            p.put(prefix + "ssl.keystore.password", brokerKey.password());
            p.put(prefix + "ssl.keystore.type", KeyMaterial.TYPE);
        }
        p.put("listener.name." + mtls + ".ssl.truststore.location", ca.truststore().toString());
        p.put("listener.name." + mtls + ".ssl.truststore.password", ca.truststorePassword());
        p.put("listener.name." + mtls + ".ssl.truststore.type", KeyMaterial.TYPE);
        p.put("listener.name." + mtls + ".ssl.client.auth", "required");
        p.put("listener.name." + mtls + ".ssl.principal.mapping.rules", PRINCIPAL_MAPPING_RULES);
        p.putAll(extra);
        options.brokerProperties(p);
        kafka = EmbeddedKafka.start(options.build());
        admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "default.api.timeout.ms", "30000"));
        LOG.info("Secured broker up: SASL_SSL on {}, mTLS on {}", saslBootstrapServers(), mtlsBootstrapServers());
    }

    public EmbeddedKafka kafka() {
        return kafka;
    }

    public CertificateAuthority certificateAuthority() {
        return ca;
    }

    /** {@code host:port} of the SASL_SSL (SCRAM-SHA-512) listener. */
    public String saslBootstrapServers() {
        return kafka.bootstrapServers(SASL_LISTENER);
    }

    /** {@code host:port} of the mutual-TLS listener. */
    public String mtlsBootstrapServers() {
        return kafka.bootstrapServers(MTLS_LISTENER);
    }

    /** {@code host:port} of the unauthenticated super-user listener; for setting the stack up, not for the test subject. */
    public String superUserBootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** An Admin client of the super user (owned by the stack: do not close it). */
    public Admin admin() {
        return admin;
    }

    /**
     * Creates a SCRAM-SHA-512 user with a random password and returns once the broker authenticates it.
     */
    public ScramUser createScramUser(String name) {
        return createScramUser(name, CertificateAuthority.randomPassword());
    }

    public ScramUser createScramUser(String name, String password) {
        ScramUser user = new ScramUser(name, password);
        try {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(name,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), password))).all().get();
        } catch (ExecutionException e) {
            throw new StackException("Cannot create SCRAM user " + name + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("Interrupted while creating SCRAM user " + name, e);
        }
        awaitAuthenticates(user);
        return user;
    }

    /** The credentials reach the broker through the metadata log: wait until a login succeeds. */
    private void awaitAuthenticates(ScramUser user) {
        long deadline = System.nanoTime() + PROPAGATION_TIMEOUT.toNanos();
        Map<String, Object> props = new LinkedHashMap<>(saslClientProperties(user));
        props.put("default.api.timeout.ms", "5000");
        props.put("request.timeout.ms", "5000");
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try (Admin probe = Admin.create(props)) {
                probe.describeCluster().clusterId().get();
                return;
            } catch (ExecutionException e) {
                last = new StackException("SCRAM user " + user.name() + " cannot log in yet: " + e.getCause(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StackException("Interrupted while waiting for SCRAM user " + user.name(), e);
            }
            sleep(100);
        }
        throw last != null ? last : new StackException("SCRAM user " + user.name() + " never authenticated");
    }

    /** A client key store whose certificate the stack's CA signed, for {@link #mtlsClientProperties(KeyMaterial)}. */
    public KeyMaterial issueClientCertificate(String commonName) {
        return ca.issueClient(commonName);
    }

    /**
     * Kafka client settings that log in as {@code user} on the SASL_SSL listener: bootstrap servers, security
     * protocol, mechanism, JAAS line and the trust store.
     */
    public Map<String, Object> saslClientProperties(ScramUser user) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("bootstrap.servers", saslBootstrapServers());
        p.put("security.protocol", "SASL_SSL");
        p.put("sasl.mechanism", SCRAM_MECHANISM);
        p.put("sasl.jaas.config", user.jaasConfig());
        p.putAll(ca.kafkaTruststoreProperties());
        return p;
    }

    /**
     * Kafka client settings for the mutual-TLS listener presenting {@code key}'s certificate (none when null), trusting
     * the stack's CA.
     */
    public Map<String, Object> mtlsClientProperties(KeyMaterial key) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("bootstrap.servers", mtlsBootstrapServers());
        p.put("security.protocol", "SSL");
        p.putAll(ca.kafkaTruststoreProperties());
        if (key != null) {
            p.putAll(key.kafkaKeystoreProperties());
        }
        return p;
    }

    /** Creates the grants' ACLs and returns once the broker's authorizer has every one of them. */
    public void apply(AclGrants grants) {
        apply(grants.bindings());
    }

    public void apply(Collection<AclBinding> bindings) {
        try {
            admin.createAcls(bindings).all().get();
            long deadline = System.nanoTime() + PROPAGATION_TIMEOUT.toNanos();
            while (true) {
                Set<AclBinding> present = new HashSet<>(admin.describeAcls(AclBindingFilter.ANY).values().get());
                List<AclBinding> missing = new ArrayList<>(bindings);
                missing.removeAll(present);
                if (missing.isEmpty()) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new StackException("ACLs not in effect after " + PROPAGATION_TIMEOUT.toSeconds() + " s: " + missing);
                }
                sleep(50);
            }
        } catch (ExecutionException e) {
            throw new StackException("Cannot create ACLs " + bindings + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("Interrupted while creating ACLs", e);
        }
    }

    /** Deletes every ACL of {@code principal}; returns once the broker no longer has any. */
    public void revokeAll(String principal) {
        AclBindingFilter filter = new AclBindingFilter(ResourcePatternFilter.ANY,
                new AccessControlEntryFilter(principal, null, AclOperation.ANY, AclPermissionType.ANY));
        try {
            admin.deleteAcls(List.of(filter)).all().get();
            long deadline = System.nanoTime() + PROPAGATION_TIMEOUT.toNanos();
            while (!admin.describeAcls(filter).values().get().isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new StackException("ACLs of " + principal + " still in effect after "
                            + PROPAGATION_TIMEOUT.toSeconds() + " s");
                }
                sleep(50);
            }
        } catch (ExecutionException e) {
            throw new StackException("Cannot delete the ACLs of " + principal + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("Interrupted while deleting ACLs", e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("Interrupted", e);
        }
    }

    /** The directory holding the key stores ({@code tls/}) and the broker's files ({@code kafka/}). */
    public Path dir() {
        return dir;
    }

    @Override
    public void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
            admin = null;
        }
        if (kafka != null) {
            kafka.close();
            kafka = null;
        }
        if (deleteOnClose) {
            deleteRecursively(dir);
        }
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    LOG.debug("Cannot delete {}: {}", p, e.getMessage());
                }
            });
        } catch (IOException e) {
            LOG.debug("Cannot delete {}: {}", root, e.getMessage());
        }
    }
}
