package io.distill.cli.docs;

import io.distill.cli.DistillCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code distill docs config [--output FILE]}: documentation generated from the code. Hidden from
 * {@code distill --help}; used to keep docs/CONFIGURATION.md in step with the command tree.
 */
@Command(name = "docs", hidden = true, mixinStandardHelpOptions = true,
        description = "Generate documentation from the command definitions.",
        subcommands = DocsCommand.Config.class)
public final class DocsCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "config", mixinStandardHelpOptions = true,
            description = "Write the configuration reference (Markdown): every command, its options, their "
                    + "configuration keys and defaults.")
    static final class Config implements Callable<Integer> {

        @Option(names = "--output", paramLabel = "FILE",
                description = "File to write, e.g. docs/CONFIGURATION.md (default: standard output).")
        Path output;

        @Override
        public Integer call() throws Exception {
            String markdown = ConfigReference.render(DistillCommand.commandLine());
            if (output == null) {
                System.out.print(markdown);
                return 0;
            }
            Path parent = output.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(output, markdown, StandardCharsets.UTF_8);
            System.err.println("wrote " + output);
            return 0;
        }
    }
}
