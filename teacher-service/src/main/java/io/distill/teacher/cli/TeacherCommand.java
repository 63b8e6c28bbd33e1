package io.distill.teacher.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code distill teacher}: train and serve teacher models. */
@Command(name = "teacher", mixinStandardHelpOptions = true,
        description = "Teacher models: train one on Fashion-MNIST, or serve one on the requests topic.",
        subcommands = {TeacherTrainCommand.class, TeacherServeCommand.class})
public final class TeacherCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new TeacherCommand()).execute(args));
    }
}
