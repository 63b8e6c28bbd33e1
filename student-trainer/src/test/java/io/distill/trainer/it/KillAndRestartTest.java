package io.distill.trainer.it;

import io.distill.schema.CheckpointManifest;
import io.distill.schema.OffsetRange;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.junit.IntegrationTest;
import io.distill.trainer.cli.TrainerCommand;
import io.distill.trainer.publish.Lineage;
import io.distill.trainer.service.TrainerService;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A trainer process is killed (SIGKILL) after it has published and while it trains on; a new trainer resumes from
 * the newest published checkpoint: its optimizer state and step, its samples seen and exactly its offsets, and the
 * next version continues the lineage without a gap or an overlap.
 */
@IntegrationTest
class KillAndRestartTest {

    @Test
    void resumesFromTheLastPublishedCheckpointAfterAKill(EmbeddedStack stack) throws Exception {
        try (StreamFixture f = new StreamFixture(stack, "trainer-kill")) {
            f.sendHoldout(1000);
            f.sendTrain(0, 6000, y -> y);
            String model = "fashion-kill";
            Map<String, String> config = f.trainerConfig(model);

            Process process = startTrainerProcess(config, f.prefix);
            try {
                StreamFixture.await("a version published by the trainer process", Duration.ofMinutes(4),
                        () -> !process.isAlive() || f.lineage(model).newest().isPresent());
                assertTrue(process.isAlive(), "the trainer process died on its own");
            } finally {
                process.destroyForcibly();
                process.waitFor();
            }
            Lineage before = f.lineage(model);
            CheckpointManifest last = before.newest().orElseThrow();
            Map<TopicPartition, Long> resumeAt = Lineage.untilOffsets(last);
            assertTrue(last.getStep() > 0);

            TrainerService service = f.service(config);
            service.start();
            assertEquals(last.getVersion(), service.publishedVersion());
            assertEquals(last.getSamplesSeen(), service.samplesSeen());
            assertEquals(last.getStep(), service.optimizerSteps(), "optimizer step count restored from the checkpoint");
            assertEquals(resumeAt, service.startPositions(), "resumes at exactly the manifest's offsets");

            Thread loop = new Thread(service, "trainer-loop");
            loop.start();
            try {
                StreamFixture.await("a version after the restart", Duration.ofMinutes(4),
                        () -> service.publishedVersion() > last.getVersion());
            } finally {
                service.close();
                loop.join(30_000);
            }
            List<CheckpointManifest> lineage = f.manifests(model);
            TrainerServiceTest.assertLineage(lineage);
            CheckpointManifest next = lineage.get((int) last.getVersion());
            assertEquals(last.getVersion(), next.getParentVersion());
            for (OffsetRange r : next.getOffsets()) {
                assertEquals(resumeAt.get(new TopicPartition(r.getTopic(), r.getPartition())), r.getFromOffset());
            }
            assertTrue(next.getStep() > last.getStep());
        }
    }

    private static Process startTrainerProcess(Map<String, String> config, String prefix) throws Exception {
        Path log = Files.createTempFile("trainer-process-", ".log");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx512m");
        cmd.add("-Dai.djl.offline=true");
        cmd.add("-Dai.djl.default_engine=PyTorch");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(TrainerCommand.class.getName());
        cmd.add("--threads=1");
        for (Map.Entry<String, String> e : config.entrySet()) {
            if (!e.getValue().isEmpty()) {
                cmd.add("--set");
                cmd.add(e.getKey() + "=" + e.getValue());
            }
        }
        System.out.println("trainer process log: " + log + " (topics " + prefix + ")");
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                .directory(new File(".")).start();
    }
}
