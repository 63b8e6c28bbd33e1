package io.distill.trainer.adaptive;

/**
 * The trainer's own per-example factor, multiplied into the topology's example weight.
 * <ul>
 *   <li>{@link #NONE}: 1 for every example.</li>
 *   <li>{@link #CONFIDENCE}: the teacher's top probability; examples the teacher is unsure about count less.</li>
 *   <li>{@link #DISAGREEMENT}: {@code 1 + TV(teacher, student)}, the total-variation distance between the two
 *       distributions; examples the student gets most wrong count more.</li>
 * </ul>
 * Factors are rescaled to mean 1 over the batch so that weighting redistributes attention without changing the
 * effective learning rate. Examples without a teacher distribution get factor 1 before rescaling.
 */
public enum AdaptiveWeighting {
    NONE, CONFIDENCE, DISAGREEMENT;

    /**
     * Per-example factors for a batch.
     *
     * @param teacherLogProbs   dense temperature-1 log-probabilities per example ({@code null} rows: no teacher)
     * @param studentProbs      the student's current probabilities per example (only read for DISAGREEMENT)
     */
    public float[] factors(float[][] teacherLogProbs, float[][] studentProbs) {
        int n = teacherLogProbs.length;
        float[] f = new float[n];
        if (this == NONE || n == 0) {
            java.util.Arrays.fill(f, 1f);
            return f;
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float[] t = teacherLogProbs[i];
            double v;
            if (t == null) {
                v = 1;
            } else if (this == CONFIDENCE) {
                double max = Double.NEGATIVE_INFINITY;
                for (float lp : t) {
                    max = Math.max(max, lp);
                }
                v = Math.exp(max);
            } else {
                double tv = 0;
                for (int c = 0; c < t.length; c++) {
                    tv += Math.abs(Math.exp(t[c]) - studentProbs[i][c]);
                }
                v = 1 + 0.5 * tv;
            }
            f[i] = (float) v;
            sum += v;
        }
        float scale = sum > 0 ? (float) (n / sum) : 1f;
        for (int i = 0; i < n; i++) {
            f[i] *= scale;
        }
        return f;
    }

    /** Whether {@link #factors} needs the student's probabilities. */
    public boolean needsStudent() {
        return this == DISAGREEMENT;
    }
}
