package io.distill.serving.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distill.schema.CheckpointManifest;
import io.distill.schema.LabelSpace;
import io.distill.serving.model.RefusalReason;
import io.distill.serving.policy.ControlRecords;
import io.distill.serving.policy.VersionPolicy;
import io.distill.serving.server.StudentServer;
import io.distill.serving.subscription.CheckpointListener;
import io.distill.serving.testing.InMemoryCheckpoints;
import io.distill.serving.testing.ServingFixture;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.junit.IntegrationTest;
import io.distill.core.checkpoint.store.ManifestKeys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.distill.serving.testing.ServingFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The student server against the real broker and registry: swaps under load, refusals, policies, restarts. */
@IntegrationTest
class StudentServerIntegrationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(60);

    private ServingFixture fixture;
    private final List<StudentServer> servers = new ArrayList<>();

    @BeforeEach
    void setUp(EmbeddedStack stack) {
        fixture = new ServingFixture(stack);
    }

    @AfterEach
    void tearDown() {
        servers.forEach(StudentServer::close);
        fixture.close();
    }

    private StudentServer start(String model, String instance) throws Exception {
        StudentServer server = fixture.server(model, instance);
        servers.add(server);
        return server;
    }

    private long answeredVersion(StudentServer server, String model) throws Exception {
        HttpResponse<String> response = fixture.predict(server, model);
        assertEquals(200, response.statusCode(), response.body());
        JsonNode body = JSON.readTree(response.body());
        assertEquals(10, body.get("predictions").get(0).get("probabilities").size());
        return body.get("version").asLong();
    }

    @Test
    void hotSwapUnderLoadFailsNoRequestAndNeverAnswersWithAnOlderVersion() throws Exception {
        String model = "hot";
        StudentServer server = start(model, "a");
        assertEquals(503, fixture.get(server.baseUrl() + "/ready").statusCode(), "not ready before a version");
        fixture.publish(model, 1);
        await("v1 served", WAIT, () -> server.slot().currentVersion() == 1);
        assertEquals(200, fixture.get(server.baseUrl() + "/ready").statusCode());

        AtomicBoolean load = new AtomicBoolean(true);
        AtomicInteger failures = new AtomicInteger();
        AtomicInteger regressions = new AtomicInteger();
        AtomicInteger answered = new AtomicInteger();
        ExecutorService clients = Executors.newFixedThreadPool(3);
        List<Future<?>> running = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            running.add(clients.submit(() -> {
                long last = 0;
                while (load.get()) {
                    try {
                        HttpResponse<String> r = fixture.predict(server, model);
                        if (r.statusCode() != 200) {
                            failures.incrementAndGet();
                            continue;
                        }
                        long v = JSON.readTree(r.body()).get("version").asLong();
                        if (v < last) {
                            regressions.incrementAndGet();
                        }
                        last = Math.max(last, v);
                        answered.incrementAndGet();
                    } catch (Exception e) {
                        failures.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (long v = 2; v <= 6; v++) {
            fixture.publish(model, v);
            long expected = v;
            await("v" + v + " served", WAIT, () -> server.slot().currentVersion() == expected);
            int before = answered.get();
            await("answers on v" + v, WAIT, () -> answered.get() > before + 3);
        }
        load.set(false);
        for (Future<?> f : running) {
            f.get(30, TimeUnit.SECONDS);
        }
        clients.shutdown();
        assertEquals(0, failures.get(), "failed requests during swaps");
        assertEquals(0, regressions.get(), "answers from a version older than one already served");
        assertTrue(answered.get() > 20, "requests answered: " + answered.get());
        assertEquals(6, answeredVersion(server, model));
        String metrics = fixture.get(server.baseUrl() + "/metrics").body();
        assertTrue(metrics.contains("distill_serving_model_version{") && metrics.contains("} 6.0"), metrics);
    }

    @Test
    void refusesACorruptedBlobAndAWrongLabelSpaceWhileTheOldVersionKeepsServing() throws Exception {
        String model = "refuse";
        StudentServer server = start(model, "a");
        List<String> refusals = new CopyOnWriteArrayList<>();
        server.addListener(new CheckpointListener() {
            @Override
            public void onRefused(String m, long version, RefusalReason reason, String message) {
                refusals.add(version + " " + reason);
            }
        });
        fixture.publish(model, 1);
        await("v1 served", WAIT, () -> server.slot().currentVersion() == 1);

        fixture.publisher().publish(
                io.distill.serving.publish.SyntheticCheckpoint.create(ServingFixture.SPEC, ServingFixture.INPUT_SHAPE,
                        InMemoryCheckpoints.fashionLabels()),
                model, 2, chunk -> {
                    chunk[chunk.length / 2] ^= 0x01;
                    return chunk;
                }, m -> m);
        await("v2 refused", WAIT, () -> refusals.contains("2 CHUNK_MISMATCH"));
        assertEquals(1, answeredVersion(server, model), "the old version keeps serving");

        LabelSpace digits = LabelSpace.newBuilder().setId("mnist").setVersion(1)
                .setClassNames(new ArrayList<>(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"))).build();
        fixture.publish(model, 3, digits);
        await("v3 refused", WAIT, () -> refusals.contains("3 LABEL_SPACE_MISMATCH"));
        assertEquals(1, answeredVersion(server, model));

        String metrics = fixture.get(server.baseUrl() + "/metrics").body();
        assertTrue(metrics.contains("distill_serving_checkpoints_refused_total{")
                && metrics.contains("reason=\"CHUNK_MISMATCH\"") && metrics.contains("reason=\"LABEL_SPACE_MISMATCH\""),
                metrics);

        fixture.publish(model, 4);
        await("v4 served", WAIT, () -> server.slot().currentVersion() == 4);
        assertEquals(List.of("2 CHUNK_MISMATCH", "3 LABEL_SPACE_MISMATCH"), refusals);
    }

    @Test
    void pinDenyListAndRollbackMoveTheFleet() throws Exception {
        String model = "policy";
        for (long v = 1; v <= 3; v++) {
            fixture.publish(model, v);
        }
        StudentServer a = start(model, "a");
        StudentServer b = start(model, "b");
        await("both on v3", WAIT, () -> a.slot().currentVersion() == 3 && b.slot().currentVersion() == 3);

        fixture.control().write(ControlRecords.pin(model, 1, VersionPolicy.latest(), "ops", "pin test"));
        await("both pinned to v1", WAIT, () -> a.slot().currentVersion() == 1 && b.slot().currentVersion() == 1);
        fixture.publish(model, 4);
        Thread.sleep(500);
        assertEquals(1, answeredVersion(a, model), "a pin holds when a newer version is published");

        fixture.control().write(ControlRecords.deny(model, 4,
                VersionPolicy.from(ControlRecords.unpin(model, VersionPolicy.latest(), "ops", "x")), "ops", "deny 4"));
        await("latest without v4", WAIT, () -> a.slot().currentVersion() == 3 && b.slot().currentVersion() == 3);

        fixture.control().write(ControlRecords.rollback(model, 3, a.track().availableVersions(), a.track().policy(),
                "ops", "rollback test"));
        await("rolled back to v2", WAIT, () -> a.slot().currentVersion() == 2 && b.slot().currentVersion() == 2);
        assertEquals(2, answeredVersion(b, model));
        assertEquals(java.util.Set.of(3L, 4L), a.track().policy().denied());
    }

    @Test
    void aRestartLoadsThePolicysVersionStraightAway() throws Exception {
        String model = "restart";
        for (long v = 1; v <= 4; v++) {
            fixture.publish(model, v);
        }
        fixture.control().write(ControlRecords.pin(model, 2, VersionPolicy.latest(), "ops", "restart test"));
        StudentServer first = start(model, "a");
        await("v2 served", WAIT, () -> first.slot().currentVersion() == 2);
        first.close();
        servers.remove(first);

        fixture.publish(model, 5);
        StudentServer restarted = start(model, "a");
        List<Long> loads = new CopyOnWriteArrayList<>();
        restarted.addListener(new CheckpointListener() {
            @Override
            public void onLoaded(CheckpointManifest manifest, long previous, Duration loadTime) {
                loads.add(manifest.getVersion());
            }
        });
        await("v2 served after restart", WAIT, () -> restarted.slot().currentVersion() == 2);
        Thread.sleep(300);
        assertEquals(List.of(2L), loads, "the first and only version loaded is the policy's");
        assertEquals(2, answeredVersion(restarted, model));
    }

    @Test
    void aRetiredVersionDisappearsFromTheFleet() throws Exception {
        String model = "retire";
        fixture.publish(model, 1);
        CheckpointManifest v2 = fixture.publish(model, 2);
        StudentServer server = start(model, "a");
        await("v2 served", WAIT, () -> server.slot().currentVersion() == 2);
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]>(fixture.kafka(),
                new org.apache.kafka.common.serialization.ByteArraySerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(fixture.topics().checkpoints().name(),
                    ManifestKeys.manifestKey(model, v2.getVersion()).getBytes(), null)).get();
        }
        await("v2 no longer available", WAIT, () -> !server.track().availableVersions().contains(2L));
        await("back on v1, the newest version left", WAIT, () -> server.slot().currentVersion() == 1);
    }
}
