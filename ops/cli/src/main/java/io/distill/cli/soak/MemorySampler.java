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
 * set size from {@code VmRSS} in {@code /proc/<pid>/status} (Linux), and the JVM's memory pools, direct buffers and
 * native arrays from the service's {@code /metrics} (see {@link MemorySample}).
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
        List<MemorySample> samples = targets.stream().map(t -> sample(elapsedSeconds, t)).toList();
        StringBuilder rows = new StringBuilder();
        samples.forEach(s -> rows.append(s.csv()).append(System.lineSeparator()));
        try {
            Files.writeString(csv, rows, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + csv, e);
        }
        return samples;
    }

    private static MemorySample sample(double elapsedSeconds, Target t) {
        long rss = rssBytes(t.pid()).orElse(-1);
        MetricsScrape scrape = t.metricsUrl() == null ? null : scrape(t.metricsUrl());
        if (scrape == null) {
            return MemorySample.rssOnly(elapsedSeconds, t.role(), t.pid(), rss);
        }
        return new MemorySample(elapsedSeconds, t.role(), t.pid(), rss,
                gauge(scrape, "jvm_memory_used_bytes", Map.of("area", "heap")),
                gauge(scrape, "jvm_memory_committed_bytes", Map.of("area", "heap")),
                gauge(scrape, "jvm_memory_committed_bytes", Map.of("area", "nonheap")),
                gauge(scrape, "jvm_buffer_memory_used_bytes", Map.of("id", "direct")),
                gauge(scrape, "distill_trainer_native_arrays", Map.of()));
    }

    /** The sum of a gauge's series, or -1 when it is missing or not a number (e.g. before the student is built). */
    private static long gauge(MetricsScrape scrape, String name, Map<String, String> labels) {
        OptionalDouble value = scrape.sum(name, labels);
        return value.isPresent() && Double.isFinite(value.getAsDouble()) ? (long) value.getAsDouble() : -1;
    }

    private static MetricsScrape scrape(String metricsUrl) {
        try {
            return MetricsScrape.fetch(metricsUrl);
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
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
}
