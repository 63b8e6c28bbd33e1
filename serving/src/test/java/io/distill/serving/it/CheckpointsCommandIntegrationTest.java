package io.distill.serving.it;

import io.distill.serving.cli.CheckpointsCommand;
import io.distill.serving.control.CheckpointCatalog;
import io.distill.serving.server.StudentServer;
import io.distill.serving.testing.ServingFixture;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.junit.IntegrationTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import static io.distill.serving.testing.ServingFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code distill checkpoints ...} against the real broker and registry, with a server following the results. */
@IntegrationTest
class CheckpointsCommandIntegrationTest {

    private ServingFixture fixture;
    private EmbeddedStack stack;

    @BeforeEach
    void setUp(EmbeddedStack stack) {
        this.stack = stack;
        fixture = new ServingFixture(stack);
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    private int run(String... args) {
        String prefix = fixture.topics().catalogue().prefix();
        String[] common = {"--bootstrap-servers", stack.bootstrapServers(), "--registry-url", stack.registryUrl(),
                "--topic-prefix", prefix, "--model", "ops"};
        String[] all = new String[args.length + common.length];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(common, 0, all, args.length, common.length);
        return new CommandLine(new CheckpointsCommand()).execute(all);
    }

    private CheckpointCatalog catalog() {
        return CheckpointCatalog.read("ops", fixture.topics().checkpoints(), fixture.topics().checkpointControl(),
                fixture.kafka(), Duration.ofSeconds(30));
    }

    @Test
    void pinRollbackUnpinAndRetireSteerARunningServer() throws Exception {
        for (long v = 1; v <= 3; v++) {
            fixture.publish("ops", v);
        }
        try (StudentServer server = fixture.server("ops", "a")) {
            await("v3", Duration.ofSeconds(60), () -> server.slot().currentVersion() == 3);
            assertEquals(0, run("list"));
            assertEquals(0, run("show", "2"));
            assertEquals(1, run("show", "9"), "an unknown version is an error");

            assertEquals(0, run("pin", "1", "--reason", "test pin"));
            await("pinned v1", Duration.ofSeconds(60), () -> server.slot().currentVersion() == 1);

            assertEquals(0, run("unpin"));
            await("latest v3", Duration.ofSeconds(60), () -> server.slot().currentVersion() == 3);

            assertEquals(0, run("rollback"));
            await("rolled back to v2", Duration.ofSeconds(60), () -> server.slot().currentVersion() == 2);
            assertEquals(Set.of(3L), catalog().policy().denied());

            assertEquals(0, run("retire", "1"));
            await("v1 retired", Duration.ofSeconds(60), () -> !server.track().availableVersions().contains(1L));
            assertEquals(List.of(2L, 3L), List.copyOf(catalog().manifests().keySet()));
            assertEquals(2, server.slot().currentVersion());
            assertTrue(server.track().policy().toString().contains("pinned 2"));
        }
    }
}
