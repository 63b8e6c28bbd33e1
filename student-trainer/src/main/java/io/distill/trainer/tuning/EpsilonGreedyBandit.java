package io.distill.trainer.tuning;

import java.util.Locale;
import java.util.Random;

/**
 * An epsilon-greedy bandit for a non-stationary problem. A window's gain shrinks as the student converges, whatever
 * the candidate, so a raw gain would favour whichever candidate was tried first. The reward of a window is therefore
 * its <em>advantage</em>: the gain minus an exponential moving average of recent gains (all candidates), i.e. how much
 * better the candidate did than the windows around it. Each candidate's value is a recency-weighted average of its
 * advantages (step {@code max(1/plays, step)}), and the values of candidates not played fade towards 0, so evidence
 * gathered in an earlier phase of training does not keep a candidate out for good.
 *
 * <p>The first window only starts the baseline. Every candidate is then played once, in grid order, before the first
 * greedy choice; afterwards a random candidate
 * is explored with probability {@code epsilon} (seeded, so a run is reproducible) and the best-valued one is
 * played otherwise (ties: the lowest index).
 */
public final class EpsilonGreedyBandit implements TuningPolicy {

    /** Per window, the values of the candidates not played fade by this fraction towards 0 ("as good as the rest"). */
    static final double FORGET = 0.05;

    private final int arms;
    private final double epsilon;
    private final double step;
    private final double baselineWeight;
    private final Random random;
    private final double[] value;
    private final int[] plays;
    private double baseline = Double.NaN;

    /**
     * @param arms           number of candidates
     * @param epsilon        probability of exploring a random candidate after the first round
     * @param step           smallest step of the recency-weighted value average, in (0, 1]
     * @param baselineWeight weight of the newest gain in the moving-average baseline, in (0, 1]
     * @param seed           seed of the exploration draws
     */
    public EpsilonGreedyBandit(int arms, double epsilon, double step, double baselineWeight, long seed) {
        if (arms < 1) {
            throw new IllegalArgumentException("a bandit needs at least one candidate");
        }
        if (!(epsilon >= 0 && epsilon <= 1) || !(step > 0 && step <= 1) || !(baselineWeight > 0 && baselineWeight <= 1)) {
            throw new IllegalArgumentException("epsilon must be in [0, 1], step and baseline weight in (0, 1]");
        }
        this.arms = arms;
        this.epsilon = epsilon;
        this.step = step;
        this.baselineWeight = baselineWeight;
        this.random = new Random(seed);
        this.value = new double[arms];
        this.plays = new int[arms];
    }

    @Override
    public int first() {
        return 0;
    }

    @Override
    public void resumeWith(int arm) {
        // Nothing to do: the values are rebuilt from the windows played after the restart.
    }

    @Override
    public Choice next(int played, double gain) {
        if (Double.isNaN(baseline)) {
            // Nothing to compare the first window with: it only starts the baseline, and the candidate counts as untried.
            baseline = gain;
        } else {
            double advantage = gain - baseline;
            baseline += baselineWeight * (gain - baseline);
            plays[played]++;
            value[played] += Math.max(1.0 / plays[played], step) * (advantage - value[played]);
            for (int a = 0; a < arms; a++) {
                if (a != played) {
                    value[a] *= 1 - FORGET;
                }
            }
        }
        for (int a = 0; a < arms; a++) {
            if (plays[a] == 0) {
                return new Choice(a, "exploring: candidate " + a + " not tried yet");
            }
        }
        // One draw per decision, whatever its outcome, so the sequence of choices depends only on seed and rewards.
        double u = random.nextDouble();
        int explore = random.nextInt(arms);
        if (u < epsilon) {
            return new Choice(explore, String.format(Locale.ROOT, "exploring at random (epsilon %.2f)", epsilon));
        }
        int best = 0;
        for (int a = 1; a < arms; a++) {
            if (value[a] > value[best]) {
                best = a;
            }
        }
        return new Choice(best, String.format(Locale.ROOT,
                "best value: advantage %+.4f over %d window(s) (runner-up %+.4f)", value[best], plays[best],
                runnerUp(best)));
    }

    private double runnerUp(int best) {
        double r = Double.NEGATIVE_INFINITY;
        for (int a = 0; a < arms; a++) {
            if (a != best) {
                r = Math.max(r, value[a]);
            }
        }
        return arms == 1 ? value[best] : r;
    }

    /** The current value estimate of each candidate (for tests and logs). */
    public double[] values() {
        return value.clone();
    }

    public int[] plays() {
        return plays.clone();
    }
}
