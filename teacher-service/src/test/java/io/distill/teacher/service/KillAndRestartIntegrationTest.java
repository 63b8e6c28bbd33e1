package io.distill.teacher.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.schema.SoftLabel;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.junit.IntegrationTest;
import io.distill.teacher.TestTeachers;
import io.distill.teacher.cli.TeacherServeCommand;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The service runs in a child JVM and is killed with SIGKILL mid-stream, then restarted with the
 * same transactional id: read_committed readers still see exactly one soft label per request.
 */
@IntegrationTest
class KillAndRestartIntegrationTest {

    private static final int REQUESTS = 1500;

    private static Process startService(ServiceFixture f, Path teacher, Path log) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx512m", "-XX:+UseSerialGC", "-Dai.djl.offline=true",
                "-Dai.djl.default_engine=PyTorch", "-cp", System.getProperty("java.class.path"),
                TeacherServeCommand.class.getName(),
                "--model", teacher.toString(),
                "--bootstrap-servers", f.stack.bootstrapServers(),
                "--registry-url", f.stack.registryUrl(),
                "--topic-prefix", f.catalogue.prefix(),
                "--guarantee", "exactly_once",
                "--max-batch-size", "16",
                "--commit-interval-ms", "100",
                "--metrics-port", "0",
                // A slower teacher, so the kill lands in the middle of the stream.
                "--simulated-latency-ms", "40",
                "--device", "cpu"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(
                ProcessBuilder.Redirect.appendTo(log.toFile()));
        // Same partition count as the fixture's catalogue.
        pb.environment().put("DISTILL_TOPICS_PARTITIONS", Integer.toString(ServiceFixture.PARTITIONS));
        return pb.start();
    }

    @Test
    void killedAndRestartedServiceLabelsEveryRequestExactlyOnce(EmbeddedStack stack) throws Exception {
        Path teacher = TestTeachers.tinyDir("tiny-a", 1);
        Path log = Path.of("target", "kill-restart-service.log").toAbsolutePath();
        log.toFile().delete();
        try (ServiceFixture f = new ServiceFixture(stack)) {
            List<String> ids = f.produceRequests("r", REQUESTS);
            Process first = startService(f, teacher, log);
            // Wait until part of the stream is labelled, then kill -9 in the middle of it.
            List<SoftLabel> partial = f.softLabelsNoSettle(l -> l.size() >= 200, Duration.ofSeconds(90));
            first.destroyForcibly();
            assertTrue(first.waitFor(20, TimeUnit.SECONDS));
            Instant killedAt = Instant.now();
            assertEquals(137, first.exitValue(), "killed by SIGKILL");
            assertTrue(partial.size() >= 200, "the first instance labelled part of the stream (see " + log + ")");

            Process second = startService(f, teacher, log);
            try {
                List<SoftLabel> labels = f.softLabels(l -> l.size() >= REQUESTS, Duration.ofSeconds(120));
                Map<String, Long> counts = labels.stream()
                        .collect(Collectors.groupingBy(SoftLabel::getRequestId, Collectors.counting()));
                assertEquals(new HashSet<>(ids), counts.keySet(), "no request lost (see " + log + ")");
                List<String> duplicated = counts.entrySet().stream().filter(e -> e.getValue() != 1)
                        .map(Map.Entry::getKey).toList();
                assertTrue(duplicated.isEmpty(), "no request labelled twice: " + duplicated);
                long byFirst = labels.stream().filter(l -> l.getProducedAt().isBefore(killedAt)).count();
                long bySecond = labels.size() - byFirst;
                assertTrue(byFirst < REQUESTS && bySecond > 0,
                        "the kill landed mid-stream: " + byFirst + " labels before it, " + bySecond + " after");
            } finally {
                second.destroy();
                if (!second.waitFor(30, TimeUnit.SECONDS)) {
                    second.destroyForcibly();
                }
            }
        }
    }

}
