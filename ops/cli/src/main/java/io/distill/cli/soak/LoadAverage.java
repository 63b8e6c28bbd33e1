package io.distill.cli.soak;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/**
 * The machine's one-minute load average over a run, sampled with the memory: a soak's figures are read against how
 * busy the machine was (other work shares it).
 */
final class LoadAverage {

    private final OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    private double sum;
    private double max = Double.NaN;
    private int count;

    /** Takes one reading; a platform without a load average is skipped. */
    void sample() {
        double load = os.getSystemLoadAverage();
        if (load < 0) {
            return;
        }
        sum += load;
        count++;
        max = Double.isNaN(max) ? load : Math.max(max, load);
    }

    /** The mean of the readings, NaN when there were none. */
    double mean() {
        return count == 0 ? Double.NaN : sum / count;
    }

    /** The highest reading, NaN when there were none. */
    double max() {
        return max;
    }
}
