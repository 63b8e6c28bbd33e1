package io.distill.topology.app;

import picocli.CommandLine;

/** Runs the topology role on its own: {@code java ... io.distill.topology.app.TopologyMain --help}. */
public final class TopologyMain {

    private TopologyMain() {}

    public static void main(String[] args) {
        System.exit(new CommandLine(new TopologyCommand()).execute(args));
    }
}
