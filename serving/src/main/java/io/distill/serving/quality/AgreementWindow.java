package io.distill.serving.quality;

/**
 * Top-1 agreement between a model version's answers and the teacher's over the last {@code capacity} compared
 * requests (a ring of outcomes), so a degradation shows up within one window instead of being diluted by history.
 */
final class AgreementWindow {

    private final boolean[] outcomes;
    private int next;
    private int size;
    private int agreeing;
    private long total;

    AgreementWindow(int capacity) {
        this.outcomes = new boolean[capacity];
    }

    synchronized void record(boolean agrees) {
        if (size == outcomes.length) {
            if (outcomes[next]) {
                agreeing--;
            }
        } else {
            size++;
        }
        outcomes[next] = agrees;
        if (agrees) {
            agreeing++;
        }
        next = (next + 1) % outcomes.length;
        total++;
    }

    synchronized int size() {
        return size;
    }

    synchronized long total() {
        return total;
    }

    /** Agreement over the window, or NaN while it is empty. */
    synchronized double agreement() {
        return size == 0 ? Double.NaN : (double) agreeing / size;
    }
}
