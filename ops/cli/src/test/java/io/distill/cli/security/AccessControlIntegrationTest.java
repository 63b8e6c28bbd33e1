package io.distill.cli.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.architecture.ArchitectureSpec;
import io.distill.core.checkpoint.store.KafkaBlobStore;
import io.distill.core.config.DistillConfig;
import io.distill.core.registry.HttpRegistryClient;
import io.distill.core.security.ServiceAcls;
import io.distill.core.topics.TopicCatalogue;
import io.distill.core.topics.Topics;
import io.distill.schema.CheckpointManifest;
import io.distill.schema.LabelSpace;
import io.distill.serving.cli.CheckpointsCommand;
import io.distill.serving.cli.ServeCommand;
import io.distill.serving.server.StudentServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import io.distill.serving.control.CheckpointCatalog;
import io.distill.serving.control.ControlWriter;
import io.distill.serving.policy.ControlRecords;
import io.distill.serving.policy.VersionPolicy;
import io.distill.serving.publish.SyntheticCheckpoint;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.junit.IntegrationTest;
import io.distill.stack.security.KeyMaterial;
import io.distill.stack.security.ScramUser;
import io.distill.stack.security.SecureStack;
import io.distill.topology.RegistrySerdes;
import io.distill.topology.app.TopologyService;
import io.distill.topology.config.TopologyConfig;
import io.distill.trainer.config.TrainerSettings;
import io.distill.trainer.publish.CheckpointPublisher;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The services' principals on a broker with SASL_SSL (SCRAM-SHA-512), mutual TLS and ACLs, each granted exactly what
 * {@link ServiceAcls} says its role needs: the trainer publishes checkpoints in a transaction; a teacher may not
 * write checkpoints or control records, nor read ground truth; only the operator may write control records
 * ({@code distill checkpoints pin}); a wrong password or a missing client certificate is refused.
 */
@IntegrationTest
class AccessControlIntegrationTest {

    static final String MODEL = "secured-student";
    static final String TEACHER_ID = "cnn-a";

    @TempDir
    static Path dir;
    static SecureStack secure;
    static TopicCatalogue catalogue;
    static Topics topics;
    static String registryUrl;
    static TrainerSettings trainerSettings;
    static ScramUser trainer;
    static ScramUser teacher;
    static ScramUser operator;
    static ScramUser server;
    static CheckpointManifest published;

    @BeforeAll
    static void start(EmbeddedStack stack) throws Exception {
        secure = SecureStack.start(dir.resolve("secure"), false, Map.of());
        catalogue = TopicCatalogue.builder().prefix(EmbeddedStack.uniqueName("secured") + ".").partitions(1).build();
        catalogue.ensure(secure.admin());
        registryUrl = stack.registryUrl();
        topics = catalogue.topics(HttpRegistryClient.create(registryUrl), true);
        trainerSettings = TrainerSettings.fromConfig(DistillConfig.builder().defaults(TrainerSettings.DEFAULTS)
                .override("trainer.model", MODEL).build());

        trainer = secure.createScramUser("trainer");
        teacher = secure.createScramUser("teacher");
        operator = secure.createScramUser("operator");
        server = secure.createScramUser("student-server");
        secure.apply(ServiceAcls.trainer(trainer.principal(), catalogue, trainerSettings.groupId(),
                trainerSettings.transactionalId()));
        secure.apply(ServiceAcls.teacher(teacher.principal(), catalogue, TEACHER_ID));
        secure.apply(ServiceAcls.operator(operator.principal(), catalogue));
        secure.apply(ServiceAcls.studentServer(server.principal(), catalogue, MODEL, "distill-serving-" + MODEL,
                false, false, false));
        published = publishAsTrainer(1);
    }

    @AfterAll
    static void stop() {
        if (secure != null) {
            secure.close();
        }
    }

    private static Map<String, Object> sasl(ScramUser user) {
        Map<String, Object> p = new HashMap<>(secure.saslClientProperties(user));
        p.put("default.api.timeout.ms", "10000");
        p.put("max.block.ms", "10000");
        p.put("request.timeout.ms", "8000");
        return p;
    }

    /** What the trainer does after a training round: chunks, manifest and consumed offsets in one transaction. */
    static CheckpointManifest publishAsTrainer(long version) throws Exception {
        Map<String, Object> kafka = sasl(trainer);
        Map<String, Object> producerProps = new HashMap<>(kafka);
        producerProps.putAll(catalogue.blobProducerOverrides());
        producerProps.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, trainerSettings.transactionalId());
        producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        Map<String, Object> readProps = new HashMap<>(kafka);
        readProps.putAll(catalogue.blobConsumerOverrides());
        LabelSpace labels = LabelSpace.newBuilder().setId("fashion-mnist").setVersion(1)
                .setClassNames(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9")).build();
        SyntheticCheckpoint checkpoint = SyntheticCheckpoint.create(ArchitectureSpec.mlp(List.of(8), 0.0), new int[] {784},
                labels);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            producer.initTransactions();
            KafkaBlobStore store = new KafkaBlobStore(catalogue.checkpointBlobs(), readProps, producer,
                    catalogue.blobChunkBytes(), Duration.ofSeconds(30));
            CheckpointPublisher publisher = new CheckpointPublisher(producer, store, catalogue.checkpoints(),
                    topics.checkpoints().valueSerializer(), trainerSettings.groupId());
            CheckpointManifest draft = checkpoint.manifest(MODEL, version, store.uri(), List.of());
            return publisher.publish(CheckpointManifest.newBuilder(draft), checkpoint.blob(),
                    Map.of(new TopicPartition(catalogue.examples(), 0), new OffsetAndMetadata(0)));
        }
    }

    private static CheckpointCatalog catalogAs(Map<String, Object> kafka) {
        return CheckpointCatalog.read(MODEL, topics.checkpoints(), topics.checkpointControl(), kafka,
                Duration.ofSeconds(20));
    }

    private static Throwable rootOf(Throwable t, Class<? extends Throwable> wanted) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (wanted.isInstance(c)) {
                return c;
            }
        }
        return t;
    }

    @Test
    void aServicePrincipalThatMayNotCreateTopicsStartsOnTheAdministratorsTopics() {
        // What the trainer and teacher-service do at start: check the catalogue, creating what is missing.
        try (Admin admin = Admin.create(sasl(trainer))) {
            TopicCatalogue.EnsureResult result = catalogue.ensure(admin);
            assertEquals(List.of(), result.created());
            assertTrue(result.existing().containsAll(List.of(catalogue.examples(), catalogue.checkpoints(),
                    catalogue.checkpointBlobs())), result.toString());
        }
    }

    @Test
    void theTopologyRunsExactlyOnceWithOnlyItsAcls() throws Exception {
        ScramUser user = secure.createScramUser("topology");
        String applicationId = EmbeddedStack.uniqueName("secured-topology");
        secure.apply(ServiceAcls.topology(user.principal(), catalogue, applicationId));
        Map<String, String> settings = new HashMap<>();
        sasl(user).forEach((k, v) -> settings.put("kafka." + k, v.toString()));
        settings.put("registry.url", registryUrl);
        settings.put("topics.prefix", catalogue.prefix());
        settings.put("topics.partitions", "1");
        settings.put("application.id", applicationId);
        settings.put("state.dir", Files.createTempDirectory(dir, "streams").toString());
        settings.put("metrics.host", "127.0.0.1");
        settings.put("metrics.port", "0");
        settings.put("teachers", TEACHER_ID);
        TopologyConfig config = TopologyConfig.from(settings);
        byte[] key = EmbeddedStack.uniqueName("undecodable").getBytes(StandardCharsets.UTF_8);
        try (TopologyService topology = TopologyService.start(config, RegistrySerdes.create(config))) {
            // Group, internal topics and transactional ids: RUNNING needs every one of them granted.
            topology.app().awaitRunning(Duration.ofSeconds(90));
            try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(superUser(), new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                p.send(new ProducerRecord<>(catalogue.requests(), key, new byte[] {42, 1, 2})).get();
            }
            // The undecodable request is dead-lettered inside the topology's transaction.
            Map<String, Object> read = superUser();
            read.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(read, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                c.assign(List.of(new TopicPartition(catalogue.deadLetters(), 0)));
                c.seekToBeginning(c.assignment());
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                boolean found = false;
                while (!found && System.nanoTime() < deadline) {
                    for (var r : c.poll(Duration.ofMillis(500))) {
                        found |= java.util.Arrays.equals(r.key(), key);
                    }
                }
                assertTrue(found, "the topology's dead letter was committed under its ACLs");
            }
            assertTrue(topology.app().isRunning());
        }
    }

    private static Map<String, Object> superUser() {
        Map<String, Object> p = new HashMap<>();
        p.put("bootstrap.servers", secure.superUserBootstrapServers());
        return p;
    }

    @Test
    void theTrainersTransactionIsCommittedAndTheFleetSeesIt() {
        CheckpointCatalog catalog = catalogAs(sasl(server));
        assertEquals(published, catalog.manifest(1).orElseThrow(), "the student server reads what the trainer published");
    }

    @Test
    void aTeacherMayNotWriteCheckpoints() throws Exception {
        // Not with the trainer's transactional id...
        Map<String, Object> tx = sasl(teacher);
        tx.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, trainerSettings.transactionalId());
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(tx, new ByteArraySerializer(), new ByteArraySerializer())) {
            assertThrows(TransactionalIdAuthorizationException.class, p::initTransactions);
        }
        // ...nor by writing the manifest and blob topics directly.
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(sasl(teacher), new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (String topic : List.of(catalogue.checkpoints(), catalogue.checkpointBlobs())) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> p.send(new ProducerRecord<>(topic,
                        (MODEL + ":99").getBytes(StandardCharsets.UTF_8), new byte[] {0})).get());
                TopicAuthorizationException denied = assertInstanceOf(TopicAuthorizationException.class, e.getCause());
                assertEquals(java.util.Set.of(topic), denied.unauthorizedTopics());
            }
        }
    }

    @Test
    void onlyTheOperatorWritesControlRecords() {
        var record = ControlRecords.pin(MODEL, 1, VersionPolicy.latest(), "test", "acl check");
        try (ControlWriter asTeacher = new ControlWriter(topics.checkpointControl(), sasl(teacher))) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> asTeacher.write(record));
            assertInstanceOf(TopicAuthorizationException.class, e.getCause(), e.toString());
        }
        try (ControlWriter asOperator = new ControlWriter(topics.checkpointControl(), sasl(operator))) {
            assertTrue(asOperator.write(record).offset() >= 0);
        }
    }

    @Test
    void aTeacherReadsRequestsInItsGroupButNotGroundTruthNorAsAnotherGroup() {
        String group = catalogue.prefix() + "teacher." + TEACHER_ID;
        KafkaConsumer<byte[], byte[]> own = consumer(teacher, group);
        try {
            own.assign(List.of(new TopicPartition(catalogue.requests(), 0)));
            own.poll(Duration.ofMillis(500));
            own.commitSync();

            own.assign(List.of(new TopicPartition(catalogue.groundTruth(), 0)));
            TopicAuthorizationException e = assertThrows(TopicAuthorizationException.class,
                    () -> own.poll(Duration.ofSeconds(5)));
            assertEquals(java.util.Set.of(catalogue.groundTruth()), e.unauthorizedTopics());
        } finally {
            closeAfterDenial(own);
        }
        try (KafkaConsumer<byte[], byte[]> other = consumer(teacher, trainerSettings.groupId())) {
            other.assign(List.of(new TopicPartition(catalogue.requests(), 0)));
            GroupAuthorizationException e = assertThrows(GroupAuthorizationException.class,
                    () -> other.poll(Duration.ofSeconds(5)));
            assertEquals(trainerSettings.groupId(), e.groupId());
        }
    }

    /** A consumer refused a topic may report that refusal again while closing; the test already asserted it. */
    private static void closeAfterDenial(KafkaConsumer<byte[], byte[]> consumer) {
        try {
            consumer.close();
        } catch (org.apache.kafka.common.KafkaException e) {
            if (!(rootOf(e, TopicAuthorizationException.class) instanceof TopicAuthorizationException)) {
                throw e;
            }
        }
    }

    private static KafkaConsumer<byte[], byte[]> consumer(ScramUser user, String group) {
        Map<String, Object> p = sasl(user);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** {@code distill checkpoints ARGS --config <file for user>}: exit code and what it wrote to stderr. */
    private static Map.Entry<Integer, String> checkpoints(ScramUser user, String... args) throws Exception {
        Path config = Files.createTempFile(dir, "client-", ".properties");
        StringBuilder sb = new StringBuilder();
        secure.saslClientProperties(user).forEach((k, v) -> sb.append("kafka.").append(k).append('=')
                .append(v.toString().replace("\\", "\\\\")).append('\n'));
        sb.append("registry.url=").append(registryUrl).append('\n');
        sb.append("topics.prefix=").append(catalogue.prefix()).append('\n');
        Files.writeString(config, sb.toString());
        String[] all = new String[args.length + 4];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(new String[] {"--config", config.toString(), "--model", MODEL}, 0, all, args.length, 4);
        PrintStream previous = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int rc = new CommandLine(new CheckpointsCommand()).execute(all);
            return Map.entry(rc, err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(previous);
        }
    }

    @Test
    void pinIsRefusedWithAClearMessageToAPrincipalWithoutWriteOnTheControlTopic() throws Exception {
        var refused = checkpoints(server, "pin", "1");
        assertEquals(3, refused.getKey(), refused.getValue());
        assertTrue(refused.getValue().contains("not authorized") && refused.getValue().contains(catalogue.checkpointControl())
                && refused.getValue().contains("write control records"), refused.getValue());

        var allowed = checkpoints(operator, "pin", "1", "--reason", "acl test");
        assertEquals(0, allowed.getKey(), allowed.getValue());
        assertEquals(VersionPolicy.pinned(1, List.of()), catalogAs(sasl(server)).policy());
    }

    @Test
    void aWrongPasswordIsRefusedAtLogin() throws Exception {
        ScramUser impostor = new ScramUser(operator.name(), "not-the-password");
        RuntimeException e = assertThrows(RuntimeException.class, () -> catalogAs(sasl(impostor)));
        assertInstanceOf(SaslAuthenticationException.class, rootOf(e, SaslAuthenticationException.class), e.toString());

        var refused = checkpoints(impostor, "list");
        assertEquals(3, refused.getKey(), refused.getValue());
        assertTrue(refused.getValue().contains("authentication with the Kafka cluster failed"), refused.getValue());
        assertFalse(refused.getValue().contains("not-the-password"), refused.getValue());
    }

    @Test
    void aServiceAuthenticatesWithItsCertificateAndWithoutOneIsRefused() {
        KeyMaterial certificate = secure.issueClientCertificate("student-server-tls");
        secure.apply(ServiceAcls.studentServer("User:student-server-tls", catalogue, MODEL, "distill-serving-" + MODEL,
                false, false, false));
        Map<String, Object> mtls = new HashMap<>(secure.mtlsClientProperties(certificate));
        assertEquals(published, catalogAs(mtls).manifest(1).orElseThrow());

        Map<String, Object> noCertificate = new HashMap<>(secure.mtlsClientProperties(null));
        noCertificate.put("default.api.timeout.ms", "10000");
        RuntimeException e = assertThrows(RuntimeException.class, () -> catalogAs(noCertificate));
        assertInstanceOf(SslAuthenticationException.class, rootOf(e, SslAuthenticationException.class), e.toString());
    }

    @Test
    void aServerStartedWithSecretsNeverPrintsThemAndGuardsItsStateChangingRoute() throws Exception {
        String registryPassword = "registry-pw-" + Long.toHexString(System.nanoTime());
        String adminToken = "admin-token-" + Long.toHexString(System.nanoTime());
        Path config = Files.createTempFile(dir, "serve-", ".properties");
        StringBuilder sb = new StringBuilder();
        secure.saslClientProperties(server).forEach((k, v) -> sb.append("kafka.").append(k).append('=')
                .append(v.toString().replace("\\", "\\\\")).append('\n'));
        sb.append("registry.url=").append(registryUrl).append('\n');
        sb.append("registry.basic.auth.user.info=distill-svc:").append(registryPassword).append('\n');
        sb.append("http.admin.token=").append(adminToken).append('\n');
        sb.append("topics.prefix=").append(catalogue.prefix()).append('\n');
        sb.append("serving.model=secured-logs\nserving.http.port=0\nserving.device=cpu\nserving.instance.id=s1\n");
        Files.writeString(config, sb.toString());
        List<String> secrets = List.of(server.password(), secure.certificateAuthority().truststorePassword(),
                registryPassword, adminToken);

        ServeCommand command = new ServeCommand();
        new CommandLine(command).parseArgs("--config", config.toString());
        HttpClient http = HttpClient.newHttpClient();
        String text;
        try (CapturedOutput captured = new CapturedOutput()) {
            try (StudentServer started = command.start(captured.out)) {
                assertTrue(started.awaitCaughtUp(Duration.ofSeconds(30)), "the server read its topics over SASL_SSL");
                URI reload = URI.create(started.baseUrl() + "/v1/models/secured-logs/reload");
                HttpRequest.Builder post = HttpRequest.newBuilder(reload).POST(HttpRequest.BodyPublishers.noBody());
                assertEquals(401, http.send(post.build(), HttpResponse.BodyHandlers.ofString()).statusCode());
                assertEquals(401, http.send(HttpRequest.newBuilder(reload).header("Authorization", "Bearer guess")
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
                assertEquals(202, http.send(HttpRequest.newBuilder(reload).header("Authorization", "Bearer " + adminToken)
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
            }
            text = captured.text();
        }
        assertTrue(text.contains("kafka.sasl.jaas.config") && text.contains("http.admin.token")
                && text.contains("registry.basic.auth.user.info"), "the configuration dump was captured");
        assertTrue(text.contains("ConsumerConfig values") && text.contains("ProducerConfig values"),
                "the Kafka clients' configuration logs were captured");
        for (String secret : secrets) {
            assertFalse(text.contains(secret), "a secret appears in the output:\n" + text);
        }
    }
}
