package io.distill.serving.cli;

import io.distill.serving.server.ServerSettings;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CommandLineTest {

    private static String help(Object command) {
        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(command);
        cl.setOut(new PrintWriter(out));
        assertEquals(0, cl.execute("--help"));
        return out.toString();
    }

    @Test
    void everyCommandHasHelp() {
        assertTrue(help(new ServeCommand()).contains("kafka-inference"));
        assertTrue(help(new CheckpointsCommand()).contains("rollback"));
        assertTrue(help(new io.distill.serving.bench.SwapBenchmark()).contains("--servers"));
        for (String sub : new String[]{"list", "show", "pin", "unpin", "rollback", "retire"}) {
            StringWriter out = new StringWriter();
            CommandLine cl = new CommandLine(new CheckpointsCommand());
            cl.setOut(new PrintWriter(out));
            assertEquals(0, cl.execute(sub, "--help"), sub);
            assertTrue(out.toString().contains("--model"), sub);
        }
    }

    @Test
    void flagsOverrideTheFileWhichOverridesDefaults(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path file = dir.resolve("serving.properties");
        Files.writeString(file, "serving.model=from-file\nserving.http.port=9000\nserving.quality.threshold=0.7\n"
                + "serving.admin.token=s3cret\n");
        ServeCommand command = new ServeCommand();
        new CommandLine(command).parseArgs("--config", file.toString(), "--http-port", "9100", "--live-quality",
                "--input-shape", "784");
        var config = command.config();
        ServerSettings settings = ServeCommand.settings(config);
        assertEquals("from-file", settings.model());
        assertEquals(9100, settings.httpPort(), "a flag beats the file");
        assertEquals(0.7, settings.gate().threshold(), 1e-9);
        assertTrue(settings.liveQuality());
        assertFalse(settings.kafkaInference(), "default");
        assertEquals(784, settings.contract().inputSize());
        assertEquals("s3cret", settings.adminToken());
        assertFalse(config.dump().contains("s3cret"), "the printed configuration masks the token");
    }

    @Test
    void defaultsAreValid() {
        ServeCommand command = new ServeCommand();
        new CommandLine(command).parseArgs();
        ServerSettings settings = ServeCommand.settings(command.connection.config(ServeCommand.defaults(), Map.of()));
        assertEquals("fashion-mnist", settings.task());
        assertEquals(784, settings.contract().inputSize());
    }
}
