package io.distill.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Ports, directories and child processes. */
final class StackSupport {

    private static final Logger LOG = LoggerFactory.getLogger(StackSupport.class);

    static final String HOST = "127.0.0.1";

    private StackSupport() {
    }

    /** Fails with a clear message when {@code port} cannot be bound on 127.0.0.1. */
    static void requirePortFree(int port, String what) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), port));
        } catch (IOException e) {
            throw new StackException("Port " + port + " on " + HOST + " for " + what
                    + " is not usable (already in use?): " + e.getMessage(), e);
        }
    }

    /** Creates {@code dir} if needed and checks that files can be written into it. */
    static Path requireUsableDir(Path dir, String what) {
        Path abs = dir.toAbsolutePath().normalize();
        try {
            if (Files.exists(abs) && !Files.isDirectory(abs)) {
                throw new StackException(what + " " + abs + " is not usable: it exists and is not a directory");
            }
            Files.createDirectories(abs);
            Path probe = Files.createTempFile(abs, ".probe", ".tmp");
            Files.delete(probe);
            return abs;
        } catch (StackException e) {
            throw e;
        } catch (IOException | SecurityException e) {
            throw new StackException(what + " " + abs + " is not usable: " + describe(e), e);
        }
    }

    private static String describe(Exception e) {
        String name = e.getClass().getSimpleName();
        return e.getMessage() == null ? name : name + ": " + e.getMessage();
    }

    static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            LOG.warn("Could not delete {}: {}", dir, e.toString());
        }
    }

    /** The {@code java} launcher of the running JVM. */
    static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The last {@code lines} lines of a log file, for error messages. */
    static String tail(Path file, int lines) {
        if (file == null || !Files.isReadable(file)) {
            return "";
        }
        Deque<String> last = new ArrayDeque<>(lines);
        try (Stream<String> all = Files.lines(file, StandardCharsets.UTF_8)) {
            all.forEach(line -> {
                if (last.size() == lines) {
                    last.removeFirst();
                }
                last.addLast(line);
            });
        } catch (IOException | UncheckedIOException e) {
            return "";
        }
        return String.join(System.lineSeparator(), last);
    }

    /**
     * Stops a child process and its descendants: SIGTERM first, SIGKILL after {@code grace}. Returns once all
     * are gone (or after a further few seconds if the OS does not let them go).
     */
    static void terminate(Process process, Duration grace) {
        if (process == null) {
            return;
        }
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroy();
        descendants.forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("Process {} did not stop within {} s, killing it", process.pid(), grace.toSeconds());
                kill(process);
            }
            for (ProcessHandle d : descendants) {
                d.onExit().get(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill(process);
        } catch (Exception e) {
            descendants.forEach(ProcessHandle::destroyForcibly);
        }
    }

    /** SIGKILL to a process and its descendants, waiting until it is gone. */
    static void kill(Process process) {
        if (process == null) {
            return;
        }
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void writePidFile(Path pidFile, long pid) {
        try {
            Files.writeString(pidFile, Long.toString(pid), StandardCharsets.UTF_8);
        } catch (IOException e) {
            LOG.warn("Could not write {}: {}", pidFile, e.toString());
        }
    }

    /**
     * Kills a process left behind by an earlier run that used the same work directory and ended without closing
     * its stack (a JVM killed with SIGKILL cannot run shutdown hooks). Only a live process whose command line
     * contains {@code marker} is killed.
     */
    static void killStale(Path pidFile, String marker) {
        if (!Files.isRegularFile(pidFile)) {
            return;
        }
        try {
            long pid = Long.parseLong(Files.readString(pidFile, StandardCharsets.UTF_8).trim());
            Optional<ProcessHandle> handle = ProcessHandle.of(pid);
            if (handle.isPresent() && handle.get().isAlive() && pid != ProcessHandle.current().pid()) {
                String cmd = handle.get().info().commandLine().orElse("");
                if (cmd.contains(marker)) {
                    LOG.warn("Killing process {} left behind by an earlier run in this work directory", pid);
                    handle.get().destroyForcibly();
                    handle.get().onExit().get(10, TimeUnit.SECONDS);
                }
            }
            Files.deleteIfExists(pidFile);
        } catch (NoSuchFileException e) {
            // gone meanwhile
        } catch (Exception e) {
            LOG.warn("Could not check {}: {}", pidFile, e.toString());
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("Interrupted", e);
        }
    }
}
