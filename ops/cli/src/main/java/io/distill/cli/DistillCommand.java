package io.distill.cli;

import io.distill.cli.demo.DemoCommand;
import io.distill.cli.docs.DocsCommand;
import io.distill.cli.load.LoadCommand;
import io.distill.cli.stack.StackCommand;
import io.distill.cli.stack.TopicsCommand;
import io.distill.serving.cli.CheckpointsCommand;
import io.distill.serving.cli.ServeCommand;
import io.distill.teacher.cli.TeacherCommand;
import io.distill.topology.app.TopologyCommand;
import io.distill.trainer.cli.TrainerCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code distill} command: every role of the system, the embedded stack, the load generator, benchmarks and
 * the demo. Each role is a subcommand so that one launcher and one image serve them all.
 */
@Command(name = "distill",
        mixinStandardHelpOptions = true,
        versionProvider = DistillVersion.class,
        description = "Continuous online knowledge distillation over Kafka.",
        subcommands = {
                StackCommand.class,
                TopicsCommand.class,
                TeacherCommand.class,
                TopologyCommand.class,
                TrainerCommand.class,
                ServeCommand.class,
                CheckpointsCommand.class,
                LoadCommand.class,
                BenchCommand.class,
                DemoCommand.class,
                DocsCommand.class,
                CommandLine.HelpCommand.class
        })
public final class DistillCommand implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static CommandLine commandLine() {
        return new CommandLine(new DistillCommand()).setCaseInsensitiveEnumValuesAllowed(true);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
