package io.distill.trainer.tuning;

import io.distill.trainer.eval.HoldoutMetrics;

/**
 * A change of temperature and alpha made by the tuner: when, from what to what, the hold-out metrics and the
 * objective's gain over the window that prompted it, and why.
 */
public record TuningChange(long atSamples, DistillationSetting from, DistillationSetting to, HoldoutMetrics metrics,
                           double gain, String reason) {
}
