package io.distill.cli.soak;

import io.distill.cli.process.MetricsScrape;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * Reads the memory of service processes and appends it to a CSV file ({@link MemorySample#CSV_HEADER}): resident
 * set size from {@code VmRSS} in {@code /proc/<pid>/status} (Linux), and heap in use from the service's
 * {@code /metrics}.
 */
public final class MemorySampler {

    /** A process to sample: its role name, pid and the base URL of its metrics endpoint (null: no heap reading). */
    public record Target(String role, long pid, String metricsUrl) {
    }

    private final Path csv;

    public MemorySampler(Path csv) {
        this.csv = csv;
        try {
            Files.createDirectories(csv.toAbsolutePath().getParent());
            Files.writeString(csv, MemorySample.CSV_HEADER + System.lineSeparator());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + csv, e);
        }
    }

    /** Samples every target once, appends the rows to the CSV file and returns them. */
    public List<MemorySample> sample(double elapsedSeconds, List<Target> targets) {
        List<MemorySample> samples = targets.stream().map(t -> new MemorySample(elapsedSeconds, t.role(), t.pid(),
                rssBytes(t.pid()).orElse(-1), t.metricsUrl() == null ? -1 : heapBytes(t.metricsUrl()).orElse(-1))).toList();
        StringBuilder rows = new StringBuilder();
        samples.forEach(s -> rows.append(s.csv()).append(System.lineSeparator()));
        try {
            Files.writeString(csv, rows, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + csv, e);
        }
        return samples;
    }

    /** {@code VmRSS} of the process in bytes; empty when the process is gone or /proc is not there. */
    public static OptionalLong rssBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    String[] parts = line.substring("VmRSS:".length()).trim().split("\\s+");
                    long value = Long.parseLong(parts[0]);
                    return OptionalLong.of(parts.length > 1 && parts[1].equalsIgnoreCase("kB") ? value * 1024 : value);
                }
            }
            return OptionalLong.empty();
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** Heap in use in bytes from a Prometheus endpoint; empty when it does not answer or has no heap gauge. */
    public static OptionalLong heapBytes(String metricsUrl) {
        try {
            OptionalDouble heap = MetricsScrape.fetch(metricsUrl).sum("jvm_memory_used_bytes", Map.of("area", "heap"));
            return heap.isPresent() ? OptionalLong.of((long) heap.getAsDouble()) : OptionalLong.empty();
        } catch (IOException e) {
            return OptionalLong.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalLong.empty();
        }
    }
}
