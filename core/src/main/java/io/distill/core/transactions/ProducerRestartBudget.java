package io.distill.core.transactions;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.LongSupplier;

/**
 * How often a service may replace a transactional producer the coordinator refused, within a sliding window.
 *
 * <p>Without a second instance a refusal is the coordinator's doing (it aborted a transaction that outlived
 * {@code transaction.timeout.ms} and bumped the epoch) and a new producer with the same transactional id recovers. A
 * real second instance with that id refuses every new producer at once, so a service that keeps being refused stops
 * instead of fighting it: {@link #tryUse()} says no once {@code max} replacements fall within {@code window}.
 */
public final class ProducerRestartBudget {

    /** The services' budget: three replacements within ten minutes. */
    public static final int DEFAULT_MAX = 3;
    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(10);

    private final int max;
    private final Duration window;
    private final LongSupplier nanoClock;
    private final Deque<Long> used = new ArrayDeque<>();

    public ProducerRestartBudget() {
        this(DEFAULT_MAX, DEFAULT_WINDOW, System::nanoTime);
    }

    public ProducerRestartBudget(int max, Duration window, LongSupplier nanoClock) {
        if (max < 0 || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("invalid budget: " + max + " within " + window);
        }
        this.max = max;
        this.window = window;
        this.nanoClock = nanoClock;
    }

    /** Takes one replacement from the budget; false, taking nothing, when {@code max} were taken within the window. */
    public synchronized boolean tryUse() {
        long now = nanoClock.getAsLong();
        while (!used.isEmpty() && now - used.peekFirst() > window.toNanos()) {
            used.removeFirst();
        }
        if (used.size() >= max) {
            return false;
        }
        used.addLast(now);
        return true;
    }

    /** Replacements taken within the window as of the last {@link #tryUse()}. */
    public synchronized int used() {
        return used.size();
    }

    public int max() {
        return max;
    }

    public Duration window() {
        return window;
    }
}
