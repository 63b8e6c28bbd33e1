package io.distill.cli.faults;

import io.distill.cli.process.RoleProcess;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A role of the pipeline that can be killed and started again with the same command line, so it comes back with the
 * same transactional id and static group membership. Counts the kills it was dealt and the times it exited on its
 * own (which a fault run reports: a role must survive a broker restart without exiting).
 */
public final class PipelineRole implements AutoCloseable {

    private final String name;
    private final String heap;
    private final Path logDir;
    private final List<String> jvmOptions;
    private final List<String> args;
    private final int metricsPort;
    private RoleProcess process;
    private int kills;
    private int unplannedExits;
    /** Killed on purpose and not started again yet: not an exit of its own. */
    private boolean down;

    public PipelineRole(String name, String heap, Path logDir, List<String> jvmOptions, List<String> args, int metricsPort) {
        this.name = name;
        this.heap = heap;
        this.logDir = logDir;
        this.jvmOptions = List.copyOf(jvmOptions);
        this.args = List.copyOf(args);
        this.metricsPort = metricsPort;
    }

    public synchronized PipelineRole start() {
        try {
            process = RoleProcess.start(name, heap, logDir, Map.of(), jvmOptions, args);
            down = false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
        return this;
    }

    /** SIGKILL, as a crash would: no drain, no commit, an open transaction stays open until fenced. */
    public synchronized void kill() {
        process.kill();
        kills++;
        down = true;
    }

    /** Whether the role was killed and has not been started again yet. */
    public synchronized boolean isDown() {
        return down;
    }

    /** Starts the role again if it exited on its own, counting it; returns whether it had. */
    public synchronized boolean restartIfExited() {
        if (process != null && !down && !process.isAlive()) {
            unplannedExits++;
            start();
            return true;
        }
        return false;
    }

    public String name() {
        return name;
    }

    public synchronized long pid() {
        return process.pid();
    }

    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    public int metricsPort() {
        return metricsPort;
    }

    public synchronized int kills() {
        return kills;
    }

    public synchronized int unplannedExits() {
        return unplannedExits;
    }

    public synchronized String logTail(int lines) {
        return process == null ? "" : process.logTail(lines);
    }

    public Path logFile() {
        return logDir.resolve(name + ".log");
    }

    public synchronized void stop(Duration grace) {
        if (process != null) {
            process.stop(grace);
        }
    }

    @Override
    public synchronized void close() {
        if (process != null) {
            process.close();
        }
    }
}
