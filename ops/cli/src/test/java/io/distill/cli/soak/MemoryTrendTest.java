package io.distill.cli.soak;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryTrendTest {

    private static final long MB = 1024 * 1024;

    @Test
    void slopeOfALineIsItsGradient() {
        assertEquals(2.5, MemoryTrend.slope(new double[] {0, 1, 2, 3}, new double[] {1, 3.5, 6, 8.5}), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> MemoryTrend.slope(new double[] {1, 1}, new double[] {0, 1}));
    }

    @Test
    void theTrendLeavesOutTheWarmupAndOtherRoles() {
        List<MemorySample> samples = new ArrayList<>();
        Random noise = new Random(1);
        for (int s = 0; s <= 600; s += 10) {
            // a steep warm-up for 120 s, then 1 MB/min of growth with +-2 MB of noise
            long rss = s < 120 ? 100 * MB + s * MB : 220 * MB + (long) ((s - 120) / 60.0 * MB) + (long) ((noise.nextDouble() - 0.5) * 4 * MB);
            samples.add(new MemorySample(s, "trainer", 7, rss, 50 * MB + s, 100 * MB, 40 * MB, MB, 32));
            samples.add(MemorySample.rssOnly(s, "teacher-service", 8, 10 * MB * (s + 1)));
        }
        MemoryTrend trend = MemoryTrend.of("trainer", samples, 120);
        assertEquals(49, trend.samples());
        assertEquals(1.0, trend.rssSlopeMbPerMinute(), 0.3);
        assertEquals(50 * MB + 120, trend.startHeapBytes());
        assertEquals(50 * MB + 600, trend.endHeapBytes());
        // committed heap is constant here, so what grows outside it grows as the RSS does
        assertEquals(trend.rssSlopeMbPerMinute(), trend.outsideHeapSlopeMbPerMinute(), 1e-9);
        assertTrue(Double.isNaN(MemoryTrend.of("teacher-service", samples, 120).outsideHeapSlopeMbPerMinute()));
        assertNull(MemoryTrend.of("trainer", samples, 600));
    }

    @Test
    void aGrowingCommittedHeapIsToldFromGrowthOutsideIt() {
        List<MemorySample> samples = new ArrayList<>();
        for (int s = 0; s <= 600; s += 10) {
            // the heap commits 2 MB/min more, the rest stays: all of the RSS growth is the heap's
            long committed = 100 * MB + (long) (s / 30.0 * MB);
            samples.add(new MemorySample(s, "trainer", 7, committed + 300 * MB, 80 * MB, committed, 40 * MB, MB, 32));
        }
        MemoryTrend trend = MemoryTrend.of("trainer", samples, 0);
        assertEquals(2.0, trend.rssSlopeMbPerMinute(), 0.01);
        assertEquals(0.0, trend.outsideHeapSlopeMbPerMinute(), 0.01);
    }

    @Test
    void linesOfTheFirstFormatStillParse() {
        MemorySample old = MemorySample.parseCsv("300.0,trainer,21231,417660928,62565672");
        assertEquals(417660928L, old.rssBytes());
        assertEquals(62565672L, old.heapBytes());
        assertEquals(-1, old.heapCommittedBytes());
        assertFalse(old.hasOutsideHeap());
        MemorySample now = new MemorySample(1.5, "trainer", 3, 5, 4, 3, 2, 1, 0);
        assertEquals(now, MemorySample.parseCsv(now.csv()));
    }
}
