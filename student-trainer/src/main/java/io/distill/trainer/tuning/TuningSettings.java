package io.distill.trainer.tuning;

import java.util.List;

/**
 * Settings of self-tuning distillation ({@code trainer.tuning.*}).
 *
 * @param mode            off, bandit or plateau
 * @param grid            the candidate settings, in order (the plateau rule's path; the bandit's first round)
 * @param windowSamples   samples trained per evaluation window (replayed ones included)
 * @param objective       what is maximised on the hold-out set
 * @param evalExamples    size of the frozen evaluation snapshot of the hold-out set
 * @param minHoldout      hold-out examples needed before the first window is scored
 * @param refreshWindows  windows after which the evaluation snapshot is renewed (the current model is re-scored on
 *                        the new one, so a gain never compares two different sets)
 * @param epsilon         the bandit's exploration probability
 * @param step            the bandit's smallest value-averaging step
 * @param patience        windows without enough gain before the plateau rule moves on
 * @param minGain         gain over {@code patience} windows that counts as still improving
 * @param seed            seed of the bandit's exploration
 */
public record TuningSettings(TuningMode mode, List<DistillationSetting> grid, long windowSamples,
                             TuningObjective objective, int evalExamples, int minHoldout, int refreshWindows,
                             double epsilon, double step, int patience, double minGain, long seed) {

    public TuningSettings {
        grid = List.copyOf(grid);
        if (mode != TuningMode.OFF && grid.isEmpty()) {
            throw new IllegalArgumentException("self-tuning needs at least one candidate in trainer.tuning.grid");
        }
        if (windowSamples < 1 || evalExamples < 1 || refreshWindows < 1) {
            throw new IllegalArgumentException("tuning window, evaluation size and refresh must be positive");
        }
    }

    public static TuningSettings off() {
        return new TuningSettings(TuningMode.OFF, List.of(new DistillationSetting(4, 0.9)), 5000,
                TuningObjective.AGREEMENT, 2000, 200, 10, 0.2, 0.3, 2, 0.002, 42);
    }

    public TuningSettings withMode(TuningMode newMode) {
        return new TuningSettings(newMode, grid, windowSamples, objective, evalExamples, minHoldout, refreshWindows,
                epsilon, step, patience, minGain, seed);
    }

    /** The policy of this mode; the baseline of the bandit moves by half of each new gain. */
    TuningPolicy policy() {
        return switch (mode) {
            case BANDIT -> new EpsilonGreedyBandit(grid.size(), epsilon, step, 0.5, seed);
            case PLATEAU -> new PlateauRule(grid.size(), patience, minGain);
            case OFF -> throw new IllegalStateException("no policy when tuning is off");
        };
    }
}
