package io.distill.teacher.train;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line text progress bar redrawn with a carriage return, at most every 200 ms. Writes
 * nothing when disabled (tests, non-interactive runs that ask for quiet output).
 */
public final class ProgressBar {

    private static final int WIDTH = 30;

    private final PrintStream out;
    private final boolean enabled;
    private long lastDraw;

    public ProgressBar(PrintStream out, boolean enabled) {
        this.out = out;
        this.enabled = enabled;
    }

    /** @return a bar that draws nothing */
    public static ProgressBar silent() {
        return new ProgressBar(System.err, false);
    }

    /**
     * @param done units done
     * @param total units in all
     * @param label text after the bar (epoch, loss, speed)
     */
    public void update(long done, long total, String label) {
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        if (done < total && now - lastDraw < 200_000_000L) {
            return;
        }
        lastDraw = now;
        out.print('\r' + render(done, total, label));
        out.flush();
    }

    /** Ends the bar's line. */
    public void finish(String message) {
        if (enabled) {
            out.print("\r\033[K" + message + System.lineSeparator());
            out.flush();
        }
    }

    static String render(long done, long total, String label) {
        double fraction = total <= 0 ? 1 : Math.min(1, (double) done / total);
        int filled = (int) Math.round(fraction * WIDTH);
        StringBuilder bar = new StringBuilder("[");
        for (int i = 0; i < WIDTH; i++) {
            bar.append(i < filled ? '=' : (i == filled ? '>' : ' '));
        }
        bar.append(String.format(Locale.ROOT, "] %3d%% %s", Math.round(fraction * 100), label));
        return bar.toString();
    }
}
