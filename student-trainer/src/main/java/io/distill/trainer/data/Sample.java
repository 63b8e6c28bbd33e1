package io.distill.trainer.data;

/**
 * One decoded example, ready for a micro-batch: the input as float32 values, the teacher's distribution as dense
 * natural-log probabilities at temperature 1 ({@code null} when no teacher answered), the hard label ({@link #NO_LABEL}
 * when none arrived yet) and the topology's weight. The hard label may be set later by a late-label correction while the
 * sample sits in the replay buffer or the hold-out set, hence the one mutable field.
 */
public final class Sample {

    public static final int NO_LABEL = -1;

    private final String requestId;
    private final float[] input;
    private final float[] teacherLogProbs;
    private final float weight;
    private volatile int hardLabel;

    public Sample(String requestId, float[] input, float[] teacherLogProbs, int hardLabel, float weight) {
        this.requestId = requestId;
        this.input = input;
        this.teacherLogProbs = teacherLogProbs;
        this.hardLabel = hardLabel;
        this.weight = weight;
    }

    public String requestId() {
        return requestId;
    }

    public float[] input() {
        return input;
    }

    /** Dense log-probabilities at temperature 1, or {@code null}. */
    public float[] teacherLogProbs() {
        return teacherLogProbs;
    }

    public boolean hasTeacher() {
        return teacherLogProbs != null;
    }

    public int hardLabel() {
        return hardLabel;
    }

    public boolean hasHardLabel() {
        return hardLabel != NO_LABEL;
    }

    /** The same example without its teacher target (for students trained on hard labels only). */
    public Sample withoutTeacher() {
        return teacherLogProbs == null ? this : new Sample(requestId, input, null, hardLabel, weight);
    }

    public void correctLabel(int label) {
        this.hardLabel = label;
    }

    public float weight() {
        return weight;
    }

    /** The teacher's most likely class, or the hard label when there is no teacher. */
    public int teacherArgmax() {
        if (teacherLogProbs == null) {
            return hardLabel;
        }
        int best = 0;
        for (int i = 1; i < teacherLogProbs.length; i++) {
            if (teacherLogProbs[i] > teacherLogProbs[best]) {
                best = i;
            }
        }
        return best;
    }
}
