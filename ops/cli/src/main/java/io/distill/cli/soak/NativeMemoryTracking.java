package io.distill.cli.soak;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The JVM's own account of its native memory, for a process started with {@code -XX:NativeMemoryTracking=summary}:
 * a baseline taken with {@code jcmd <pid> VM.native_memory baseline} and later the change since, by category (heap,
 * class, thread, code, GC, internal, ...). It covers what the JVM allocates, not what native libraries such as
 * PyTorch allocate with malloc: RSS growth that the diff does not show lies outside the JVM.
 */
public final class NativeMemoryTracking {

    /** The JVM option that turns the tracking on. */
    public static final String JVM_OPTION = "-XX:NativeMemoryTracking=summary";

    private NativeMemoryTracking() {
    }

    /** Takes the baseline of the process; false (and the reason on stderr) when jcmd fails. */
    public static boolean baseline(long pid) {
        try {
            return jcmd(pid, "baseline").contains("Baseline taken")
                    || reportFailure(pid, "baseline did not succeed");
        } catch (IOException e) {
            return reportFailure(pid, e.getMessage());
        }
    }

    /**
     * Writes the change since the baseline to {@code out} and returns its total line
     * ({@code Total: reserved=... committed=...}), empty when jcmd fails.
     */
    public static Optional<String> diff(long pid, Path out) {
        try {
            String text = jcmd(pid, "summary.diff");
            Files.writeString(out, text);
            return text.lines().map(String::trim).filter(l -> l.startsWith("Total:")).findFirst();
        } catch (IOException e) {
            reportFailure(pid, e.getMessage());
            return Optional.empty();
        }
    }

    private static boolean reportFailure(long pid, String why) {
        System.err.println("native memory tracking of pid " + pid + ": " + why);
        return false;
    }

    private static String jcmd(long pid, String command) throws IOException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(List.of(jcmd.toString(), "-J-Xmx64m", Long.toString(pid), "VM.native_memory", command))
                .redirectErrorStream(true).start();
        try {
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("jcmd " + command + " failed: " + text.strip());
            }
            return text;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for jcmd", e);
        } finally {
            p.destroyForcibly();
        }
    }
}
