package io.distill.trainer.tuning;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * Walks the grid in its declared order (e.g. from a soft, teacher-heavy setting towards a sharp, label-heavy one):
 * stays with a candidate while the objective keeps improving and moves to the next one when the gains of the last
 * {@code patience} windows with it add up to less than {@code minGain}. The last candidate is kept for good.
 */
public final class PlateauRule implements TuningPolicy {

    private final int arms;
    private final int patience;
    private final double minGain;
    private final Deque<Double> recent = new ArrayDeque<>();

    public PlateauRule(int arms, int patience, double minGain) {
        if (arms < 1 || patience < 1) {
            throw new IllegalArgumentException("the plateau rule needs at least one candidate and a patience >= 1");
        }
        this.arms = arms;
        this.patience = patience;
        this.minGain = minGain;
    }

    @Override
    public int first() {
        return 0;
    }

    @Override
    public void resumeWith(int arm) {
        recent.clear();
    }

    @Override
    public Choice next(int played, double gain) {
        recent.addLast(gain);
        if (recent.size() > patience) {
            recent.removeFirst();
        }
        if (recent.size() < patience || played == arms - 1) {
            return new Choice(played, "improving or last candidate");
        }
        double sum = recent.stream().mapToDouble(Double::doubleValue).sum();
        if (sum >= minGain) {
            return new Choice(played, "improving");
        }
        recent.clear();
        return new Choice(played + 1, String.format(Locale.ROOT,
                "plateau: gained %+.4f over the last %d window(s), less than %.4f", sum, patience, minGain));
    }
}
