package io.distill.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A stack of its own, with the broker in a separate JVM: restarts keep ports and data, and close() leaves no
 * process behind.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StackLifecycleTest {

    private Set<Long> descendantsBefore;
    private Path workDir;
    private EmbeddedStack stack;

    @BeforeAll
    void start() throws IOException {
        descendantsBefore = descendants();
        workDir = Files.createTempDirectory("distill-lifecycle-");
        stack = EmbeddedStack.start(StackOptions.builder()
                .workDir(workDir)
                .deleteWorkDirOnClose(true)
                .kafkaMode(KafkaMode.PROCESS)
                .kafkaHeap("384m")
                .listener(new Listener("EXTERNAL", "PLAINTEXT", 0))
                .brokerProperty("log.retention.hours", "1")
                .kafkaFeature("transaction.version", 1)
                .build());
    }

    @AfterAll
    void cleanUp() {
        if (stack != null) {
            stack.close();
        }
    }

    private static Set<Long> descendants() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).map(ProcessHandle::pid)
                .collect(Collectors.toSet());
    }

    private void produce(String topic, String... values) {
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(stack.producerProperties(), new StringSerializer(), new StringSerializer())) {
            for (String v : values) {
                producer.send(new ProducerRecord<>(topic, v, v));
            }
            producer.flush();
        }
    }

    private List<String> consumeAll(String topic, int expected) {
        return TestClients.consume(stack.consumerProperties(stack.uniqueTopic("reader")), topic, expected,
                        Duration.ofSeconds(30))
                .stream().map(ConsumerRecord::value).toList();
    }

    @Test
    @Order(1)
    void startTimeIsRecorded() {
        assertTrue(stack.startupTime().compareTo(Duration.ZERO) > 0);
        assertTrue(stack.startedAt() != null);
        assertTrue(stack.kafka().pid().isPresent(), "the broker runs as a separate process");
        assertTrue(stack.registry().pid().isPresent());
        assertTrue(Files.isRegularFile(workDir.resolve("kafka/server.properties")));
        assertTrue(Files.isRegularFile(stack.registry().logFile()));
    }

    @Test
    @Order(2)
    void extraListenerAndBrokerProperties() {
        Map<String, String> config = stack.kafka().brokerConfig();
        assertEquals("1", config.get("log.retention.hours"));
        assertEquals("60000", config.get("transaction.abort.timed.out.transaction.cleanup.interval.ms"),
                "timed-out transactions are swept after a crash restart's leaderless moment");
        assertTrue(config.get("listeners").contains("EXTERNAL://127.0.0.1:" + stack.kafka().port("EXTERNAL")));

        String topic = stack.createUniqueTopic("external", 1);
        Map<String, Object> props = stack.producerProperties();
        props.put("bootstrap.servers", stack.kafka().bootstrapServers("EXTERNAL"));
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, "x", "via-external"));
        }
        Map<String, Object> consumerProps = stack.consumerProperties(stack.uniqueTopic("reader"));
        consumerProps.put("bootstrap.servers", stack.kafka().bootstrapServers("EXTERNAL"));
        assertEquals(List.of("via-external"), TestClients.consume(consumerProps, topic, 1, Duration.ofSeconds(20))
                .stream().map(ConsumerRecord::value).toList());
    }

    @Test
    @Order(2)
    void storageIsFormattedWithTheGivenFeatureLevels() throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin = stack.adminClient()) {
            var finalized = admin.describeFeatures().featureMetadata().get(30, java.util.concurrent.TimeUnit.SECONDS)
                    .finalizedFeatures();
            assertEquals(1, finalized.get("transaction.version").maxVersionLevel(), finalized.toString());
        }
    }

    @Test
    @Order(3)
    void brokerRestartKeepsPortAndData() {
        String topic = stack.createUniqueTopic("restart", 1);
        produce(topic, "a", "b", "c");
        String bootstrap = stack.bootstrapServers();
        long pid = stack.kafka().pid().orElseThrow();

        stack.kafka().restart();
        assertEquals(bootstrap, stack.bootstrapServers());
        assertTrue(stack.kafka().pid().orElseThrow() != pid, "a new broker process");
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "old process gone");
        produce(topic, "d");
        assertEquals(List.of("a", "b", "c", "d"), consumeAll(topic, 4));

        // A crash: SIGKILL, no clean shutdown. Acknowledged records survive the log recovery.
        stack.kafka().kill();
        assertFalse(stack.kafka().isRunning());
        stack.kafka().start();
        assertEquals(bootstrap, stack.bootstrapServers());
        produce(topic, "e");
        assertEquals(List.of("a", "b", "c", "d", "e"), consumeAll(topic, 5));
    }

    @Test
    @Order(4)
    void registryUnavailableForAWhileThenSameIds() throws Exception {
        String url = stack.registryUrl();
        RegistryHttp registry = new RegistryHttp(url);
        String subject = stack.uniqueTopic("restart") + "-value";
        int id = registry.register(subject, RegistryTest.SCHEMA);

        stack.registry().stop();
        assertFalse(stack.registry().isRunning());
        assertThrows(IOException.class, registry::subjects, "registry unavailable while stopped");

        stack.registry().start();
        assertEquals(url, stack.registryUrl(), "same port after restart");
        var fetched = registry.schemaById(id);
        assertEquals(200, fetched.statusCode(), fetched.body());
        assertTrue(fetched.body().contains("Example"), fetched.body());
        assertEquals(id, registry.register(subject, RegistryTest.SCHEMA), "same id after restart");
    }

    @Test
    @Order(5)
    void closeLeavesNoProcessBehind() {
        long brokerPid = stack.kafka().pid().orElseThrow();
        long registryPid = stack.registry().pid().orElseThrow();
        assertTrue(descendants().containsAll(Set.of(brokerPid, registryPid)));

        stack.close();
        stack = null;

        assertFalse(ProcessHandle.of(brokerPid).map(ProcessHandle::isAlive).orElse(false));
        assertFalse(ProcessHandle.of(registryPid).map(ProcessHandle::isAlive).orElse(false));
        assertEquals(descendantsBefore, descendants(), "child processes after close");
        assertFalse(Files.exists(workDir), "work directory deleted");
    }
}
