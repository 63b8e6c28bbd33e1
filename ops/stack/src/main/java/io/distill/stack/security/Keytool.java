package io.distill.stack.security;

import io.distill.stack.StackException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the JDK's {@code keytool} ({@code <java.home>/bin/keytool}) as a child process; no network is involved. */
final class Keytool {

    private static final long TIMEOUT_SECONDS = 120;

    private Keytool() {}

    static Path executable() {
        return Path.of(System.getProperty("java.home"), "bin", "keytool");
    }

    /** Runs {@code keytool args...}; fails with its output when it exits non-zero. */
    static void run(String... args) {
        List<String> command = new ArrayList<>();
        command.add(executable().toString());
        // keytool is a short-lived JVM: a small heap and no JIT tiers beyond C1 start it quicker on a busy machine.
        command.add("-J-Xmx64m");
        command.add("-J-XX:TieredStopAtLevel=1");
        command.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new StackException("Cannot run " + executable() + ": " + e.getMessage(), e);
        }
        try {
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new StackException("keytool " + args[0] + " did not finish within " + TIMEOUT_SECONDS + " s");
            }
            if (p.exitValue() != 0) {
                throw new StackException("keytool " + args[0] + " failed with exit code " + p.exitValue() + ": " + out.trim());
            }
        } catch (IOException e) {
            throw new StackException("keytool " + args[0] + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new StackException("Interrupted while running keytool " + args[0], e);
        }
    }
}
