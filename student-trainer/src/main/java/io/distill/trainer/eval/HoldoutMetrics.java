package io.distill.trainer.eval;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a model does on a hold-out snapshot.
 *
 * @param examples   examples scored
 * @param agreement  fraction whose predicted class equals the teacher's most likely class (examples with a teacher)
 * @param accuracy   fraction predicted correctly among examples with a hard label; NaN when none has one
 * @param labelled   examples with a hard label
 * @param kl         mean KL(teacher || student) at temperature 1 over examples with a teacher; NaN when none
 * @param ece        expected calibration error over 10 confidence bins, against hard labels where present and the
 *                   teacher's class otherwise
 */
public record HoldoutMetrics(int examples, double agreement, double accuracy, int labelled, double kl, double ece) {

    /** The metrics as a manifest's {@code metrics} map. */
    public Map<String, Double> asMap() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("holdout.examples", (double) examples);
        m.put("agreement", agreement);
        if (labelled > 0) {
            m.put("accuracy", accuracy);
        }
        if (!Double.isNaN(kl)) {
            m.put("kl", kl);
        }
        m.put("ece", ece);
        return m;
    }
}
