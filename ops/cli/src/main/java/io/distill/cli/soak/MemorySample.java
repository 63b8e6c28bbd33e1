package io.distill.cli.soak;

/**
 * One reading of one process: resident set size from {@code /proc/<pid>/status} and JVM heap in use from its
 * Prometheus endpoint ({@code jvm_memory_used_bytes{area="heap"}}, summed over the heap pools); -1 when unreadable.
 */
public record MemorySample(double elapsedSeconds, String role, long pid, long rssBytes, long heapBytes) {

    public static final String CSV_HEADER = "elapsed_s,role,pid,rss_bytes,heap_bytes";

    public String csv() {
        return String.format(java.util.Locale.ROOT, "%.1f,%s,%d,%d,%d", elapsedSeconds, role, pid, rssBytes, heapBytes);
    }

    public static MemorySample parseCsv(String line) {
        String[] f = line.split(",");
        if (f.length != 5) {
            throw new IllegalArgumentException("not a memory sample line: " + line);
        }
        return new MemorySample(Double.parseDouble(f[0]), f[1], Long.parseLong(f[2]), Long.parseLong(f[3]),
                Long.parseLong(f[4]));
    }
}
