package io.distill.cli.soak;

import java.util.Locale;

/**
 * One reading of one process: resident set size from {@code /proc/<pid>/status} and, from its Prometheus endpoint,
 * JVM heap in use and committed ({@code jvm_memory_used_bytes} / {@code jvm_memory_committed_bytes}
 * {@code {area="heap"}}, summed over the pools), non-heap committed (metaspace, code cache), direct buffers
 * ({@code jvm_buffer_memory_used_bytes{id="direct"}}) and, for the trainer, the native arrays its student holds
 * ({@code distill_trainer_native_arrays}); -1 when unreadable. RSS less committed heap is what the process holds
 * outside the Java heap: native libraries' allocations (PyTorch), thread stacks, metaspace, malloc arenas.
 */
public record MemorySample(double elapsedSeconds, String role, long pid, long rssBytes, long heapBytes,
                           long heapCommittedBytes, long nonHeapCommittedBytes, long directBytes, long nativeArrays) {

    public static final String CSV_HEADER = "elapsed_s,role,pid,rss_bytes,heap_bytes,heap_committed_bytes,"
            + "nonheap_committed_bytes,direct_bytes,native_arrays";
    /** The columns of files written before committed heap, non-heap, direct buffers and arrays were sampled. */
    private static final int FIRST_FORMAT_COLUMNS = 5;

    /** A reading with RSS only (a process without a metrics endpoint). */
    public static MemorySample rssOnly(double elapsedSeconds, String role, long pid, long rssBytes) {
        return new MemorySample(elapsedSeconds, role, pid, rssBytes, -1, -1, -1, -1, -1);
    }

    /** Whether both RSS and committed heap were read, so that {@link #outsideHeapBytes()} means something. */
    public boolean hasOutsideHeap() {
        return rssBytes >= 0 && heapCommittedBytes >= 0;
    }

    /**
     * RSS less committed heap (see {@link #hasOutsideHeap()}). Negative while committed heap pages have not been
     * touched yet: only a heap that is resident throughout (pre-touched) makes this exactly the memory outside it.
     */
    public long outsideHeapBytes() {
        return rssBytes - heapCommittedBytes;
    }

    public String csv() {
        return String.format(Locale.ROOT, "%.1f,%s,%d,%d,%d,%d,%d,%d,%d", elapsedSeconds, role, pid, rssBytes,
                heapBytes, heapCommittedBytes, nonHeapCommittedBytes, directBytes, nativeArrays);
    }

    /** Parses a line of this format, or of the first one (RSS and heap in use only; the rest reads as -1). */
    public static MemorySample parseCsv(String line) {
        String[] f = line.split(",");
        if (f.length != FIRST_FORMAT_COLUMNS && f.length != 9) {
            throw new IllegalArgumentException("not a memory sample line: " + line);
        }
        long[] extra = {-1, -1, -1, -1};
        for (int i = FIRST_FORMAT_COLUMNS; i < f.length; i++) {
            extra[i - FIRST_FORMAT_COLUMNS] = Long.parseLong(f[i]);
        }
        return new MemorySample(Double.parseDouble(f[0]), f[1], Long.parseLong(f[2]), Long.parseLong(f[3]),
                Long.parseLong(f[4]), extra[0], extra[1], extra[2], extra[3]);
    }
}
