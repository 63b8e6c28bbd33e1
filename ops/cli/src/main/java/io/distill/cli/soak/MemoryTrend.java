package io.distill.cli.soak;

import java.util.List;

/**
 * The memory of one role over a soak after its warm-up: least-squares slope of RSS against time, the same for RSS
 * less committed heap (what the process holds outside the Java heap; NaN when the heap is not sampled), and the
 * first and last sample.
 */
public record MemoryTrend(String role, int samples, double rssSlopeMbPerMinute, double outsideHeapSlopeMbPerMinute,
                          MemorySample first, MemorySample last) {

    private static final double MB = 1024.0 * 1024.0;

    /** The trend of {@code role}'s samples taken at or after {@code warmupSeconds}; null when fewer than two. */
    public static MemoryTrend of(String role, List<MemorySample> all, double warmupSeconds) {
        List<MemorySample> samples = all.stream()
                .filter(s -> s.role().equals(role) && s.elapsedSeconds() >= warmupSeconds && s.rssBytes() > 0)
                .toList();
        if (samples.size() < 2) {
            return null;
        }
        double[] minutes = samples.stream().mapToDouble(s -> s.elapsedSeconds() / 60.0).toArray();
        double[] mb = samples.stream().mapToDouble(s -> s.rssBytes() / MB).toArray();
        List<MemorySample> withHeap = samples.stream().filter(MemorySample::hasOutsideHeap).toList();
        double outside = withHeap.size() < 2 ? Double.NaN : slope(
                withHeap.stream().mapToDouble(s -> s.elapsedSeconds() / 60.0).toArray(),
                withHeap.stream().mapToDouble(s -> s.outsideHeapBytes() / MB).toArray());
        return new MemoryTrend(role, samples.size(), slope(minutes, mb), outside, samples.get(0),
                samples.get(samples.size() - 1));
    }

    public long startRssBytes() {
        return first.rssBytes();
    }

    public long endRssBytes() {
        return last.rssBytes();
    }

    public long startHeapBytes() {
        return first.heapBytes();
    }

    public long endHeapBytes() {
        return last.heapBytes();
    }

    /** Ordinary least-squares slope of y against x. */
    public static double slope(double[] x, double[] y) {
        if (x.length != y.length || x.length < 2) {
            throw new IllegalArgumentException("need two or more points of equal count");
        }
        double mx = 0;
        double my = 0;
        for (int i = 0; i < x.length; i++) {
            mx += x[i];
            my += y[i];
        }
        mx /= x.length;
        my /= y.length;
        double sxy = 0;
        double sxx = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
        }
        if (sxx == 0) {
            throw new IllegalArgumentException("all x values are equal");
        }
        return sxy / sxx;
    }
}
