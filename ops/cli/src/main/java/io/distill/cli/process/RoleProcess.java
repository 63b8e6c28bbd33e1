package io.distill.cli.process;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One Distill role (teacher-service, topology, trainer, student server, ...) running as its own JVM: the same
 * classpath as this process, {@code io.distill.cli.DistillCommand} with the role's arguments, its own heap cap and
 * its output in a log file. Closing it asks the process to stop (SIGTERM, so the role drains and commits), then
 * kills it if it does not exit in time; a shutdown hook makes sure no child outlives this JVM.
 */
public final class RoleProcess implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RoleProcess.class);
    private static final String MAIN = "io.distill.cli.DistillCommand";

    private final String name;
    private final Process process;
    private final Path logFile;
    private final Thread reaper;

    private RoleProcess(String name, Process process, Path logFile) {
        this.name = name;
        this.process = process;
        this.logFile = logFile;
        this.reaper = new Thread(() -> destroyTree(process), "reap-" + name);
        Runtime.getRuntime().addShutdownHook(reaper);
    }

    /**
     * Starts {@code distill <args>} as a child JVM.
     *
     * @param heap    the child's -Xmx, e.g. "512m"
     * @param logDir  where {@code <name>.log} is written
     * @param env     extra environment variables
     */
    public static RoleProcess start(String name, String heap, Path logDir, Map<String, String> env,
                                    List<String> jvmOptions, List<String> args) throws IOException {
        Files.createDirectories(logDir);
        Path logFile = logDir.resolve(name + ".log");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + heap);
        command.add("-XX:+UseSerialGC");
        command.add("-Dai.djl.offline=true");
        command.add("-Dai.djl.default_engine=PyTorch");
        for (String key : List.of("distill.root", "distill.registry.jar")) {
            String value = System.getProperty(key);
            if (value != null) {
                command.add("-D" + key + "=" + value);
            }
        }
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(MAIN);
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        builder.environment().putAll(env);
        Process process = builder.start();
        log.info("started {} (pid {}), log {}", name, process.pid(), logFile);
        return new RoleProcess(name, process, logFile);
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path logFile() {
        return logFile;
    }

    /** The last {@code lines} lines of the role's log, for error reports. */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(logFile);
            return String.join(System.lineSeparator(), all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    /** Kills the role at once (SIGKILL), as a crash would. */
    public void kill() {
        process.destroyForcibly();
        waitFor(Duration.ofSeconds(10));
    }

    public boolean waitFor(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public int exitValue() {
        return process.exitValue();
    }

    /** Asks the role to stop (SIGTERM), waits up to {@code grace}, then kills it and whatever it started. */
    public void stop(Duration grace) {
        if (process.isAlive()) {
            process.destroy();
            if (!waitFor(grace)) {
                log.warn("{} did not stop within {} s; killing it", name, grace.toSeconds());
            }
        }
        destroyTree(process);
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(20));
        try {
            Runtime.getRuntime().removeShutdownHook(reaper);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
    }

    private static void destroyTree(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
