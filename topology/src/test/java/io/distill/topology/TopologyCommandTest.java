package io.distill.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.topology.app.TopologyCommand;
import io.distill.topology.bench.TopologyBenchmark;
import io.distill.topology.config.TopologyConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class TopologyCommandTest {

    @Test
    void flagsOverrideTheConfigFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("topology.properties");
        Files.writeString(file, "teachers=x,y\nholdout.fraction=0.3\nensemble.timeout.ms=7000\n");
        TopologyCommand command = new TopologyCommand();
        new CommandLine(command).parseArgs("--config", file.toString(), "--holdout-fraction", "0.2",
                "--teacher-weight", "x=2", "-D", "filter.min.confidence=0.4", "--bootstrap-servers", "b:1");
        TopologyConfig config = TopologyConfig.from(command.effective().asMap());
        assertEquals(List.of("x", "y"), config.teachers());
        assertEquals(0.2, config.holdoutFraction(), "the flag wins over the file");
        assertEquals(7000, config.ensembleTimeoutMs(), "the file wins over the default");
        assertEquals(2.0, config.teacherWeight("x"));
        assertEquals(0.4, config.minConfidence());
        assertEquals("b:1", config.bootstrapServers());
    }

    @Test
    void helpListsTheOptions() {
        for (Object command : new Object[] {new TopologyCommand(), new TopologyBenchmark()}) {
            StringWriter out = new StringWriter();
            int code = new CommandLine(command).setOut(new PrintWriter(out)).execute("--help");
            assertEquals(0, code);
            assertTrue(out.toString().contains("Usage: topology"), out.toString());
        }
        StringWriter out = new StringWriter();
        new CommandLine(new TopologyCommand()).setOut(new PrintWriter(out)).execute("--help");
        for (String option : new String[] {"--teachers", "--ensemble-mode", "--holdout-fraction", "--allowlist-metadata",
                "--class-cap", "--rate-limit", "--config"}) {
            assertTrue(out.toString().contains(option), option);
        }
    }
}
