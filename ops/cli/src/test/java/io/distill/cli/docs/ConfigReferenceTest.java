package io.distill.cli.docs;

import io.distill.cli.DistillCommand;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** docs/CONFIGURATION.md is what the code generates now, and the generation is deterministic. */
class ConfigReferenceTest {

    private static final Path ROOT = Path.of(System.getProperty("distill.root", "../.."));

    @Test
    void committedReferenceIsUpToDate() throws Exception {
        Path committed = ROOT.resolve("docs").resolve("CONFIGURATION.md");
        assertTrue(Files.isRegularFile(committed),
                "docs/CONFIGURATION.md is missing: run " + ConfigReference.REGENERATE);
        String generated = ConfigReference.render(DistillCommand.commandLine());
        String onDisk = Files.readString(committed, StandardCharsets.UTF_8);
        assertTrue(generated.equals(onDisk), () -> "docs/CONFIGURATION.md is stale: run "
                + ConfigReference.REGENERATE + " (" + firstDifference(generated, onDisk) + ")");
    }

    private static String firstDifference(String generated, String onDisk) {
        String[] expected = generated.split("\n", -1);
        String[] actual = onDisk.split("\n", -1);
        for (int i = 0; i < Math.max(expected.length, actual.length); i++) {
            String e = i < expected.length ? expected[i] : "<end of file>";
            String a = i < actual.length ? actual[i] : "<end of file>";
            if (!e.equals(a)) {
                return "line " + (i + 1) + ": the code generates '" + e + "', the file has '" + a + "'";
            }
        }
        return "line endings differ";
    }

    @Test
    void renderingIsDeterministicAndCoversTheTree() {
        String first = ConfigReference.render(DistillCommand.commandLine());
        String second = ConfigReference.render(DistillCommand.commandLine());
        assertEquals(first, second);
        for (String command : new String[] {"distill stack", "distill topics create", "distill teacher train",
                "distill teacher serve", "distill topology", "distill trainer", "distill serve",
                "distill checkpoints rollback", "distill load", "distill bench swap", "distill demo"}) {
            assertTrue(first.contains("## `" + command + "`"), command + " is documented");
        }
        assertFalse(first.contains("## `distill docs"), "the hidden docs command is left out");
        assertTrue(first.contains("| `--max-batch-size` |"), "options are listed");
        assertTrue(first.contains("teacher.batch.max.size"), "descriptions carry their configuration key");
    }

    @Test
    void keysAreMatchedAsWholeKeys() {
        assertTrue(ConfigReference.mentions("Learning rate [trainer.lr].", "trainer.lr"));
        assertFalse(ConfigReference.mentions("[trainer.lr.schedule]", "trainer.lr"));
        assertFalse(ConfigReference.mentions("(xtrainer.lr)", "trainer.lr"));
        assertEquals("DISTILL_TEACHER_BATCH_MAX_SIZE", ConfigReference.environmentVariable("teacher.batch.max.size"));
        assertEquals("distill-teacher-serve", ConfigReference.anchor("distill teacher serve"));
    }
}
