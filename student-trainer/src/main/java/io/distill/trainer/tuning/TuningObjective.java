package io.distill.trainer.tuning;

import io.distill.trainer.eval.HoldoutMetrics;

/** What the tuner maximises on the hold-out set; higher is better for every objective. */
public enum TuningObjective {
    /** Agreement with the teachers' most likely class. */
    AGREEMENT,
    /** Accuracy on ground truth; agreement while the evaluation set holds no hard label. */
    ACCURACY,
    /** Minus the mean KL(teacher || student). */
    KL;

    public double score(HoldoutMetrics m) {
        return switch (this) {
            case AGREEMENT -> m.agreement();
            case ACCURACY -> m.labelled() > 0 ? m.accuracy() : m.agreement();
            case KL -> Double.isNaN(m.kl()) ? m.agreement() : -m.kl();
        };
    }
}
