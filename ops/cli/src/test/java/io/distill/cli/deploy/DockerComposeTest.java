package io.distill.cli.deploy;

import io.distill.cli.DistillCommand;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The root docker-compose.yml is valid (checked offline by the compose tool, no engine needed) and every Distill
 * service it runs names a command that exists in this build's {@code distill} command tree, with options it accepts.
 */
class DockerComposeTest {

    private static final Path ROOT = Path.of(System.getProperty("distill.root", "../.."));
    private static final Pattern COMMAND = Pattern.compile("^\\s+command: \\[(.*)]\\s*$");

    @Test
    void composeFileIsValid() throws Exception {
        Path compose = ROOT.resolve("docker-compose.yml");
        assertTrue(Files.isRegularFile(compose), compose + " exists");
        List<String> tool = composeTool();
        List<String> command = new ArrayList<>(tool);
        command.addAll(List.of("-f", compose.toString(), "config", "-q"));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "compose config finished");
        assertEquals(0, process.exitValue(), "docker-compose config says: " + output);
    }

    @Test
    void everyServiceCommandExistsInTheCli() throws IOException {
        List<List<String>> commands = new ArrayList<>();
        for (String line : Files.readAllLines(ROOT.resolve("docker-compose.yml"))) {
            Matcher m = COMMAND.matcher(line);
            if (m.matches()) {
                List<String> args = new ArrayList<>();
                for (String part : m.group(1).split(",")) {
                    args.add(part.strip().replaceAll("^\"|\"$", ""));
                }
                commands.add(args);
            }
        }
        assertTrue(commands.size() >= 6, "compose runs the Distill roles: " + commands);
        for (List<String> args : commands) {
            CommandLine cli = DistillCommand.commandLine();
            CommandLine.ParseResult parsed = cli.parseArgs(args.toArray(String[]::new));
            CommandLine.ParseResult leaf = parsed;
            while (leaf.hasSubcommand()) {
                leaf = leaf.subcommand();
            }
            assertFalse(leaf == parsed, "compose command " + args + " names a subcommand");
            assertTrue(leaf.unmatched().isEmpty(), "compose command " + args + " has unknown arguments " + leaf.unmatched());
        }
    }

    private static List<String> composeTool() throws IOException {
        try {
            Process v2 = new ProcessBuilder("docker", "compose", "version").redirectErrorStream(true).start();
            v2.getInputStream().readAllBytes();
            if (v2.waitFor(20, TimeUnit.SECONDS) && v2.exitValue() == 0) {
                return List.of("docker", "compose");
            }
        } catch (IOException | InterruptedException ignored) {
            // fall back to docker-compose
        }
        return List.of("docker-compose");
    }
}
