package io.distill.trainer.cli;

import io.distill.core.config.DistillConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerCommandTest {

    @TempDir
    Path dir;

    @Test
    void flagsWinOverTheFileWhichWinsOverDefaults() throws Exception {
        Path file = dir.resolve("trainer.properties");
        Files.writeString(file, "trainer.batch.size=32\ntrainer.lr=0.01\n");
        TrainerCommand command = new TrainerCommand();
        new CommandLine(command).parseArgs("--config", file.toString(), "--lr", "0.5", "--temperature", "3",
                "--alpha", "0.6", "--set", "trainer.replay.ratio=0.5");
        DistillConfig config = command.configuration();
        assertEquals("32", config.getString("trainer.batch.size"));
        assertEquals(0.5, config.getDouble("trainer.lr"));
        assertEquals("0:3.0:0.6", config.getString("trainer.distillation.schedule"));
        assertEquals(0.5, config.getDouble("trainer.replay.ratio"));
        assertEquals("mlp:800,800", config.getString("trainer.architecture"));
    }

    @Test
    void helpListsTheOptions() {
        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(new TrainerCommand());
        cl.setOut(new PrintWriter(out));
        assertEquals(0, cl.execute("--help"));
        for (String option : new String[]{"--architecture", "--batch-size", "--lr", "--distillation-schedule",
                "--replay-ratio", "--publish-every", "--gate-tolerance", "--device", "--blob-store"}) {
            assertTrue(out.toString().contains(option), option);
        }
        StringWriter bench = new StringWriter();
        CommandLine b = new CommandLine(new TrainerBenchmark());
        b.setOut(new PrintWriter(bench));
        assertEquals(0, b.execute("--help"));
        assertTrue(bench.toString().contains("--mlp"));
    }
}
