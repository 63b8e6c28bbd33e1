package io.distill.trainer.eval;

import io.distill.core.softtarget.SoftTargets;
import io.distill.trainer.data.Sample;

import java.util.List;

/** Scores predicted distributions against hold-out samples, and two prediction sets against each other (churn). */
public final class HoldoutScorer {

    static final int ECE_BINS = 10;

    private HoldoutScorer() {
    }

    /**
     * @param samples       the hold-out snapshot
     * @param studentLogProbs  the model's log-probabilities (log-softmax of its logits) for each sample, same order
     */
    public static HoldoutMetrics score(List<Sample> samples, double[][] studentLogProbs) {
        int n = samples.size();
        if (studentLogProbs.length != n) {
            throw new IllegalArgumentException(n + " samples but " + studentLogProbs.length + " predictions");
        }
        int withTeacher = 0;
        int agree = 0;
        int labelled = 0;
        int correct = 0;
        double klSum = 0;
        double[] binConfidence = new double[ECE_BINS];
        double[] binHits = new double[ECE_BINS];
        int[] binCount = new int[ECE_BINS];
        int eceCount = 0;
        for (int i = 0; i < n; i++) {
            Sample s = samples.get(i);
            double[] logQ = studentLogProbs[i];
            int predicted = SoftTargets.argmax(logQ);
            int reference = Sample.NO_LABEL;
            if (s.hasTeacher()) {
                withTeacher++;
                int teacherClass = s.teacherArgmax();
                if (predicted == teacherClass) {
                    agree++;
                }
                klSum += SoftTargets.klDivergence(toDoubles(s.teacherLogProbs()), logQ);
                reference = teacherClass;
            }
            if (s.hasHardLabel()) {
                labelled++;
                if (predicted == s.hardLabel()) {
                    correct++;
                }
                reference = s.hardLabel();
            }
            if (reference != Sample.NO_LABEL) {
                double confidence = Math.exp(logQ[predicted]);
                int bin = Math.min(ECE_BINS - 1, (int) (confidence * ECE_BINS));
                binConfidence[bin] += confidence;
                binHits[bin] += predicted == reference ? 1 : 0;
                binCount[bin]++;
                eceCount++;
            }
        }
        double ece = 0;
        for (int b = 0; b < ECE_BINS; b++) {
            if (binCount[b] > 0) {
                ece += (double) binCount[b] / eceCount * Math.abs(binHits[b] / binCount[b] - binConfidence[b] / binCount[b]);
            }
        }
        return new HoldoutMetrics(n,
                withTeacher == 0 ? Double.NaN : (double) agree / withTeacher,
                labelled == 0 ? Double.NaN : (double) correct / labelled,
                labelled,
                withTeacher == 0 ? Double.NaN : klSum / withTeacher,
                eceCount == 0 ? Double.NaN : ece);
    }

    /** Fraction of examples whose predicted class differs between two prediction sets of the same snapshot. */
    public static double churn(double[][] a, double[][] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("prediction sets differ in size: " + a.length + " vs " + b.length);
        }
        if (a.length == 0) {
            return 0;
        }
        int changed = 0;
        for (int i = 0; i < a.length; i++) {
            if (SoftTargets.argmax(a[i]) != SoftTargets.argmax(b[i])) {
                changed++;
            }
        }
        return (double) changed / a.length;
    }

    private static double[] toDoubles(float[] values) {
        double[] d = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            d[i] = values[i];
        }
        return d;
    }
}
