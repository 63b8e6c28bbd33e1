package io.distill.core.softtarget;

import io.distill.schema.SoftTarget;
import io.distill.schema.TopK;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Soft-target math shared by the topology (ensembling), the trainer (tempering, loss inputs) and
 * serving (agreement). Pure Java, no DJL.
 *
 * <p>Conventions:
 *
 * <ul>
 *   <li>A distribution over C classes is a {@code double[]} of natural-log probabilities
 *       ("log-probs"); {@code -Infinity} is a probability of 0. Arithmetic is done in double and
 *       stays in log space where that avoids under- or overflow (log-sum-exp).
 *   <li>On the wire a {@link SoftTarget} is either dense (C float32 little-endian log-probs in
 *       {@code dense}) or top-k ({@code k} class ids with their log-probs, most likely first, plus
 *       the log of the mass of the other {@code C - k} classes).
 *   <li>Teachers send temperature-1 targets; only the trainer re-tempers, with {@link
 *       #temper(double[], double)}: {@code p_T ∝ p^(1/T)}, i.e. {@code log_softmax(logp / T)}.
 *       For a top-k target the C - k tail classes are treated as equally likely, both when
 *       densifying and when tempering.
 *   <li>Teachers are combined in probability space: the ensemble is the mixture {@code Σ w_i p_i},
 *       not the softmax of averaged logits (which is a normalised geometric mean of the
 *       distributions and is over-confident wherever teachers disagree).
 * </ul>
 */
public final class SoftTargets {

    /** Default tolerance on the total probability mass of a target: |Σp − 1| ≤ 1e-3. */
    public static final double DEFAULT_TOLERANCE = 1e-3;

    private SoftTargets() {}

    // ------------------------------------------------------------------ primitives

    /**
     * Numerically stable {@code log Σ exp(x_i)}; {@code -Infinity} for an empty input or when all
     * are {@code -Infinity}.
     *
     * @param x values
     * @return the log of the sum of their exponentials
     */
    public static double logSumExp(double[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : x) {
            if (v > max) {
                max = v;
            }
        }
        if (max == Double.NEGATIVE_INFINITY) {
            return Double.NEGATIVE_INFINITY;
        }
        if (max == Double.POSITIVE_INFINITY) {
            return Double.POSITIVE_INFINITY;
        }
        double sum = 0;
        for (double v : x) {
            sum += Math.exp(v - max);
        }
        return max + Math.log(sum);
    }

    /**
     * Numerically stable log-softmax: {@code x_i − logΣexp(x)}.
     *
     * @param logits unnormalised scores (may contain {@code -Infinity}, not all of them)
     * @return log-probabilities
     */
    public static double[] logSoftmax(double[] logits) {
        double lse = logSumExp(logits);
        if (!Double.isFinite(lse)) {
            throw new IllegalArgumentException("cannot normalise logits " + Arrays.toString(logits));
        }
        double[] out = new double[logits.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = logits[i] - lse;
        }
        return out;
    }

    /**
     * @param logits unnormalised scores
     * @return log-probabilities
     */
    public static double[] logSoftmax(float[] logits) {
        return logSoftmax(toDouble(logits));
    }

    /**
     * Log-probabilities of a probability vector. Each entry must be in [0, 1] and the sum within
     * {@link #DEFAULT_TOLERANCE} of 1; the result is renormalised to sum exactly 1.
     *
     * @param probabilities a distribution
     * @return its log-probabilities ({@code -Infinity} for zeros)
     */
    public static double[] logProbsFromProbabilities(double[] probabilities) {
        double sum = 0;
        for (double p : probabilities) {
            if (!(p >= 0 && p <= 1 + DEFAULT_TOLERANCE)) {
                throw new SoftTargetValidationException(
                        Double.isNaN(p) ? SoftTargetValidationException.NON_FINITE_VALUE
                                : SoftTargetValidationException.INVALID_SOFT_TARGET,
                        "probability " + p + " is outside [0, 1]");
            }
            sum += p;
        }
        if (Math.abs(sum - 1) > DEFAULT_TOLERANCE) {
            throw new SoftTargetValidationException(
                    SoftTargetValidationException.INVALID_SOFT_TARGET, "probabilities sum to " + sum + ", not 1");
        }
        double logSum = Math.log(sum);
        double[] out = new double[probabilities.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.log(probabilities[i]) - logSum;
        }
        return out;
    }

    /**
     * @param logProbs log-probabilities
     * @return the probabilities
     */
    public static double[] exp(double[] logProbs) {
        double[] out = new double[logProbs.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.exp(logProbs[i]);
        }
        return out;
    }

    // ------------------------------------------------------------------ building records

    /**
     * A dense target from log-probabilities (written as float32 little-endian).
     *
     * @param logProbs one per class
     * @return the record
     */
    public static SoftTarget dense(double[] logProbs) {
        ByteBuffer bytes = ByteBuffer.allocate(logProbs.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : logProbs) {
            bytes.putFloat((float) v);
        }
        bytes.flip();
        return SoftTarget.newBuilder().setNumClasses(logProbs.length).setDense(bytes).setTopK(null).build();
    }

    /**
     * @param logits a teacher's raw scores
     * @return the dense target of {@code softmax(logits)}
     */
    public static SoftTarget denseFromLogits(float[] logits) {
        return dense(logSoftmax(logits));
    }

    /**
     * @param probabilities a distribution summing to 1 (see {@link
     *     #logProbsFromProbabilities(double[])})
     * @return the dense target
     */
    public static SoftTarget denseFromProbabilities(double[] probabilities) {
        return dense(logProbsFromProbabilities(probabilities));
    }

    /**
     * A top-k target: the k most likely classes (ties: lower class id first) and the log of the
     * mass of all others (log-sum-exp of their log-probs, {@code -Infinity} when k = C).
     *
     * @param logProbs a distribution as log-probabilities
     * @param k how many classes to keep, 1 ≤ k ≤ C
     * @return the record
     */
    public static SoftTarget topK(double[] logProbs, int k) {
        int c = logProbs.length;
        if (k < 1 || k > c) {
            throw new IllegalArgumentException("k must be in [1, " + c + "], was " + k);
        }
        Integer[] order = new Integer[c];
        for (int i = 0; i < c; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> {
            int cmp = Double.compare(logProbs[b], logProbs[a]);
            return cmp != 0 ? cmp : Integer.compare(a, b);
        });
        List<Integer> ids = new ArrayList<>(k);
        List<Float> lps = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            ids.add(order[i]);
            lps.add((float) logProbs[order[i]]);
        }
        double[] rest = new double[c - k];
        for (int i = k; i < c; i++) {
            rest[i - k] = logProbs[order[i]];
        }
        double tail = logSumExp(rest);
        TopK top = TopK.newBuilder().setClassIds(ids).setLogProbs(lps).setTailLogMass((float) tail).build();
        return SoftTarget.newBuilder().setNumClasses(c).setDense(null).setTopK(top).build();
    }

    /**
     * @param logits a teacher's raw scores
     * @param k classes to keep
     * @return the top-k target of {@code softmax(logits)}
     */
    public static SoftTarget topKFromLogits(float[] logits, int k) {
        return topK(logSoftmax(logits), k);
    }

    // ------------------------------------------------------------------ reading records

    /**
     * Dense log-probabilities of a target; a top-k target is densified (see {@link
     * #densify(TopK, int)}). Does not validate; call {@link #validate} first for untrusted input.
     *
     * @param target the record
     * @return C log-probabilities
     */
    public static double[] logProbs(SoftTarget target) {
        if (target.getDense() != null) {
            ByteBuffer b = target.getDense().duplicate().order(ByteOrder.LITTLE_ENDIAN);
            int c = target.getNumClasses();
            if (b.remaining() != c * Float.BYTES) {
                throw new SoftTargetValidationException(
                        SoftTargetValidationException.INVALID_SOFT_TARGET,
                        "dense holds " + b.remaining() + " bytes, numClasses " + c + " needs " + c * Float.BYTES);
            }
            double[] out = new double[c];
            int p = b.position();
            for (int i = 0; i < c; i++) {
                out[i] = b.getFloat(p + i * Float.BYTES);
            }
            return out;
        }
        if (target.getTopK() != null) {
            return densify(target.getTopK(), target.getNumClasses());
        }
        throw new SoftTargetValidationException(
                SoftTargetValidationException.INVALID_SOFT_TARGET, "neither dense nor topK is set");
    }

    /**
     * Like {@link #logProbs(SoftTarget)} as float32, the layout the trainer's loss takes.
     *
     * @param target the record
     * @return C log-probabilities
     */
    public static float[] logProbsAsFloats(SoftTarget target) {
        double[] lp = logProbs(target);
        float[] out = new float[lp.length];
        for (int i = 0; i < lp.length; i++) {
            out[i] = (float) lp[i];
        }
        return out;
    }

    /**
     * @param target the record
     * @return C probabilities
     */
    public static double[] probabilities(SoftTarget target) {
        return exp(logProbs(target));
    }

    /**
     * Dense log-probabilities of a top-k target: the listed classes keep their log-probs, and the
     * tail mass is spread evenly over the {@code m = C − k} other classes, each getting {@code
     * tailLogMass − ln m}. When m = 0 there is nothing to spread.
     *
     * @param topK the sparse form
     * @param numClasses C
     * @return C log-probabilities
     */
    public static double[] densify(TopK topK, int numClasses) {
        List<Integer> ids = topK.getClassIds();
        List<Float> lps = topK.getLogProbs();
        int k = ids.size();
        int m = numClasses - k;
        double each = m > 0 ? topK.getTailLogMass() - Math.log(m) : Double.NEGATIVE_INFINITY;
        double[] out = new double[numClasses];
        Arrays.fill(out, each);
        for (int i = 0; i < k; i++) {
            out[ids.get(i)] = lps.get(i);
        }
        return out;
    }

    // ------------------------------------------------------------------ temperature

    /**
     * Re-tempers a distribution: {@code p_T ∝ p^(1/T)}, computed as {@code log_softmax(logp / T)}.
     * T > 1 softens, T < 1 sharpens, T = 1 returns a renormalised copy.
     *
     * @param logProbs log-probabilities at temperature 1
     * @param temperature T &gt; 0
     * @return log-probabilities at temperature T
     */
    public static double[] temper(double[] logProbs, double temperature) {
        checkTemperature(temperature);
        double[] scaled = new double[logProbs.length];
        for (int i = 0; i < scaled.length; i++) {
            scaled[i] = logProbs[i] / temperature;
        }
        return logSoftmax(scaled);
    }

    /**
     * Re-tempers a top-k distribution without densifying it. The top classes are tempered
     * individually; the tail is treated as {@code m = C − k} equally likely classes of log-prob
     * {@code tail − ln m} each, whose tempered total is {@code ln m + (tail − ln m)/T}. The result
     * is exactly the top-k view of {@code temper(densify(topK), T)}.
     *
     * @param topK the sparse form at temperature 1
     * @param numClasses C
     * @param temperature T &gt; 0
     * @return the sparse form at temperature T, same class ids and order
     */
    public static TopK temper(TopK topK, int numClasses, double temperature) {
        checkTemperature(temperature);
        int k = topK.getClassIds().size();
        int m = numClasses - k;
        double[] scaled = new double[k + 1];
        for (int i = 0; i < k; i++) {
            scaled[i] = topK.getLogProbs().get(i) / temperature;
        }
        double tail = topK.getTailLogMass();
        if (m > 0 && tail != Double.NEGATIVE_INFINITY) {
            double lnM = Math.log(m);
            scaled[k] = lnM + (tail - lnM) / temperature;
        } else {
            scaled[k] = Double.NEGATIVE_INFINITY;
        }
        double z = logSumExp(scaled);
        List<Float> lps = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            lps.add((float) (scaled[i] - z));
        }
        return TopK.newBuilder()
                .setClassIds(new ArrayList<>(topK.getClassIds()))
                .setLogProbs(lps)
                .setTailLogMass((float) (scaled[k] - z))
                .build();
    }

    /**
     * @param target a record at temperature 1
     * @param temperature T &gt; 0
     * @return the same form (dense or top-k) at temperature T
     */
    public static SoftTarget temper(SoftTarget target, double temperature) {
        if (target.getTopK() != null && target.getDense() == null) {
            TopK t = temper(target.getTopK(), target.getNumClasses(), temperature);
            return SoftTarget.newBuilder().setNumClasses(target.getNumClasses()).setDense(null).setTopK(t).build();
        }
        return dense(temper(logProbs(target), temperature));
    }

    // ------------------------------------------------------------------ measures

    /**
     * Shannon entropy in nats, {@code −Σ p ln p} (zero-probability classes contribute 0).
     *
     * @param logProbs a distribution
     * @return H(p) in [0, ln C]
     */
    public static double entropy(double[] logProbs) {
        double h = 0;
        for (double lp : logProbs) {
            if (lp != Double.NEGATIVE_INFINITY) {
                h -= Math.exp(lp) * lp;
            }
        }
        return Math.max(0, h);
    }

    /**
     * Kullback-Leibler divergence {@code KL(p || q) = Σ p (ln p − ln q)} in nats; +∞ when q gives
     * zero probability to a class that p does not.
     *
     * @param logP the reference distribution (e.g. the teacher)
     * @param logQ the approximating distribution (e.g. the student)
     * @return KL(p || q) ≥ 0
     */
    public static double klDivergence(double[] logP, double[] logQ) {
        checkSameLength(logP, logQ);
        double kl = 0;
        for (int i = 0; i < logP.length; i++) {
            if (logP[i] == Double.NEGATIVE_INFINITY) {
                continue;
            }
            kl += Math.exp(logP[i]) * (logP[i] - logQ[i]);
        }
        return Math.max(0, kl);
    }

    /**
     * Cross-entropy {@code H(p, q) = −Σ p ln q = H(p) + KL(p || q)} in nats.
     *
     * @param logP the reference distribution
     * @param logQ the approximating distribution
     * @return H(p, q)
     */
    public static double crossEntropy(double[] logP, double[] logQ) {
        checkSameLength(logP, logQ);
        double ce = 0;
        for (int i = 0; i < logP.length; i++) {
            if (logP[i] == Double.NEGATIVE_INFINITY) {
                continue;
            }
            ce -= Math.exp(logP[i]) * logQ[i];
        }
        return ce;
    }

    /**
     * @param values scores, log-probs or probabilities
     * @return the index of the largest value; the lowest such index on ties
     */
    public static int argmax(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("empty distribution");
        }
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * @param values scores
     * @return the index of the largest value; the lowest such index on ties
     */
    public static int argmax(float[] values) {
        return argmax(toDouble(values));
    }

    /**
     * @param target a record (a top-k target is densified first)
     * @return the most likely class
     */
    public static int argmax(SoftTarget target) {
        return argmax(logProbs(target));
    }

    /**
     * @param a one distribution
     * @param b another over the same classes
     * @return whether their most likely classes are the same
     */
    public static boolean agree(double[] a, double[] b) {
        checkSameLength(a, b);
        return argmax(a) == argmax(b);
    }

    /**
     * Fraction of positions where two sequences of predicted classes agree (e.g. student vs
     * teacher argmax on a hold-out set).
     *
     * @param predicted classes predicted by one model
     * @param reference classes of the other
     * @return agreement in [0, 1]; 0 for empty input
     */
    public static double agreement(int[] predicted, int[] reference) {
        if (predicted.length != reference.length) {
            throw new IllegalArgumentException("lengths differ: " + predicted.length + " vs " + reference.length);
        }
        if (predicted.length == 0) {
            return 0;
        }
        int same = 0;
        for (int i = 0; i < predicted.length; i++) {
            if (predicted[i] == reference[i]) {
                same++;
            }
        }
        return (double) same / predicted.length;
    }

    /**
     * Confidence of a distribution, {@code 1 − H(p) / ln C}, clamped to [0, 1]: 1 for one-hot, 0
     * for uniform; 1 when C = 1.
     *
     * @param logProbs a distribution
     * @return the confidence
     */
    public static double confidence(double[] logProbs) {
        if (logProbs.length <= 1) {
            return 1;
        }
        double c = 1 - entropy(logProbs) / Math.log(logProbs.length);
        return Math.min(1, Math.max(0, c));
    }

    // ------------------------------------------------------------------ ensembling

    /**
     * Combines several teachers' distributions over the same classes as a mixture in probability
     * space: {@code p(c) = Σ_i w_i p_i(c)}, computed as {@code ln p(c) = logΣexp_i(ln w_i + ln
     * p_i(c))}. With {@link EnsembleWeighting#FIXED} the weights are the priors normalised; with
     * {@link EnsembleWeighting#CONFIDENCE} they are {@code prior_i × (1 − H(p_i)/ln C)} normalised,
     * falling back to the priors when every teacher is uniform.
     *
     * @param teacherLogProbs one log-prob vector per teacher, all of the same length
     * @param priorWeights one non-negative weight per teacher with a positive sum, or null for
     *     equal weights
     * @param weighting how to weigh
     * @return the mixture, the weights used and the mixture's confidence
     */
    public static EnsembleResult ensemble(
            List<double[]> teacherLogProbs, double[] priorWeights, EnsembleWeighting weighting) {
        int n = teacherLogProbs.size();
        if (n == 0) {
            throw new IllegalArgumentException("no teacher to combine");
        }
        int c = teacherLogProbs.get(0).length;
        for (double[] lp : teacherLogProbs) {
            if (lp.length != c) {
                throw new SoftTargetValidationException(
                        SoftTargetValidationException.LABEL_SPACE_MISMATCH,
                        "teachers disagree on the number of classes: " + c + " vs " + lp.length);
            }
        }
        double[] prior = new double[n];
        if (priorWeights == null) {
            Arrays.fill(prior, 1.0);
        } else {
            if (priorWeights.length != n) {
                throw new IllegalArgumentException(n + " teachers but " + priorWeights.length + " weights");
            }
            for (int i = 0; i < n; i++) {
                if (!(priorWeights[i] >= 0) || !Double.isFinite(priorWeights[i])) {
                    throw new IllegalArgumentException("weight " + priorWeights[i] + " is not a finite non-negative number");
                }
                prior[i] = priorWeights[i];
            }
        }
        double[] raw = prior.clone();
        if (weighting == EnsembleWeighting.CONFIDENCE) {
            for (int i = 0; i < n; i++) {
                raw[i] = prior[i] * confidence(teacherLogProbs.get(i));
            }
            if (sum(raw) <= 0) {
                raw = prior.clone();
            }
        }
        double total = sum(raw);
        if (!(total > 0)) {
            throw new IllegalArgumentException("teacher weights sum to " + total);
        }
        double[] weights = new double[n];
        for (int i = 0; i < n; i++) {
            weights[i] = raw[i] / total;
        }
        double[] mixture = new double[c];
        double[] terms = new double[n];
        for (int k = 0; k < c; k++) {
            for (int i = 0; i < n; i++) {
                terms[i] = weights[i] > 0 ? Math.log(weights[i]) + teacherLogProbs.get(i)[k] : Double.NEGATIVE_INFINITY;
            }
            mixture[k] = logSumExp(terms);
        }
        return new EnsembleResult(mixture, weights, confidence(mixture));
    }

    /**
     * For comparison only, never used to combine teachers: {@code log_softmax(Σ w_i ln p_i)}, the
     * "logit averaging" of log-probs, i.e. the normalised weighted geometric mean of the
     * distributions.
     *
     * @param teacherLogProbs one log-prob vector per teacher
     * @param weights normalised weights
     * @return log-probabilities
     */
    public static double[] logitAverage(List<double[]> teacherLogProbs, double[] weights) {
        int c = teacherLogProbs.get(0).length;
        double[] acc = new double[c];
        for (int i = 0; i < teacherLogProbs.size(); i++) {
            for (int k = 0; k < c; k++) {
                acc[k] += weights[i] * teacherLogProbs.get(i)[k];
            }
        }
        return logSoftmax(acc);
    }

    // ------------------------------------------------------------------ validation

    /**
     * {@link #validate(SoftTarget, int, double)} with {@link #DEFAULT_TOLERANCE}.
     *
     * @param target the record
     * @param expectedNumClasses size of the label space it must be over
     */
    public static void validate(SoftTarget target, int expectedNumClasses) {
        validate(target, expectedNumClasses, DEFAULT_TOLERANCE);
    }

    /**
     * Checks a soft target: exactly one of dense and topK set; numClasses equal to the expected
     * size; no NaN or +∞ log-prob; log-probs ≤ tolerance; for dense, C values whose probabilities
     * sum to 1 within the tolerance; for top-k, 1 ≤ k ≤ C distinct class ids in [0, C), as many
     * log-probs, and the top-k mass plus the tail mass summing to 1 within the tolerance (a tail
     * of zero mass when k = C).
     *
     * @param target the record
     * @param expectedNumClasses size of the label space it must be over
     * @param tolerance allowed |Σp − 1|
     * @throws SoftTargetValidationException with a reason code
     */
    public static void validate(SoftTarget target, int expectedNumClasses, double tolerance) {
        if (target == null) {
            throw invalid("soft target is missing");
        }
        int c = target.getNumClasses();
        if (c != expectedNumClasses) {
            throw new SoftTargetValidationException(
                    SoftTargetValidationException.LABEL_SPACE_MISMATCH,
                    "soft target has " + c + " classes, the label space " + expectedNumClasses);
        }
        if (c < 1) {
            throw invalid("numClasses " + c + " is below 1");
        }
        boolean dense = target.getDense() != null;
        boolean top = target.getTopK() != null;
        if (!dense && !top) {
            throw new SoftTargetValidationException(
                    SoftTargetValidationException.UNKNOWN_ENCODING, "neither dense nor topK is set");
        }
        if (dense && top) {
            throw invalid("both dense and topK are set");
        }
        if (dense) {
            double[] lp = logProbs(target);
            checkLogProbs(lp, tolerance);
            double mass = Math.exp(logSumExp(lp));
            if (Math.abs(mass - 1) > tolerance) {
                throw invalid("dense probabilities sum to " + mass + ", not 1");
            }
            return;
        }
        TopK t = target.getTopK();
        List<Integer> ids = t.getClassIds();
        List<Float> lps = t.getLogProbs();
        if (ids == null || lps == null || ids.size() != lps.size()) {
            throw invalid("topK has " + (ids == null ? 0 : ids.size()) + " class ids but "
                    + (lps == null ? 0 : lps.size()) + " log-probs");
        }
        int k = ids.size();
        if (k < 1 || k > c) {
            throw invalid("topK holds " + k + " classes, must be in [1, " + c + "]");
        }
        boolean[] seen = new boolean[c];
        double[] values = new double[k + 1];
        for (int i = 0; i < k; i++) {
            Integer id = ids.get(i);
            if (id == null || id < 0 || id >= c) {
                throw new SoftTargetValidationException(
                        SoftTargetValidationException.LABEL_OUT_OF_RANGE, "class id " + id + " is outside [0, " + c + ")");
            }
            if (seen[id]) {
                throw invalid("class id " + id + " appears twice");
            }
            seen[id] = true;
            values[i] = lps.get(i);
        }
        values[k] = t.getTailLogMass();
        checkLogProbs(values, tolerance);
        if (k == c && Math.exp(values[k]) > tolerance) {
            throw invalid("all classes are listed but the tail mass is " + Math.exp(values[k]));
        }
        double mass = Math.exp(logSumExp(values));
        if (Math.abs(mass - 1) > tolerance) {
            throw invalid("top-k mass plus tail mass is " + mass + ", not 1");
        }
    }

    // ------------------------------------------------------------------ internals

    private static void checkLogProbs(double[] lp, double tolerance) {
        for (int i = 0; i < lp.length; i++) {
            double v = lp[i];
            if (Double.isNaN(v) || v == Double.POSITIVE_INFINITY) {
                throw new SoftTargetValidationException(
                        SoftTargetValidationException.NON_FINITE_VALUE, "log-prob " + i + " is " + v);
            }
            if (v > tolerance) {
                throw invalid("log-prob " + i + " is " + v + ", above 0");
            }
        }
    }

    private static SoftTargetValidationException invalid(String message) {
        return new SoftTargetValidationException(SoftTargetValidationException.INVALID_SOFT_TARGET, message);
    }

    private static void checkTemperature(double t) {
        if (!(t > 0) || !Double.isFinite(t)) {
            throw new IllegalArgumentException("temperature must be positive and finite, was " + t);
        }
    }

    private static void checkSameLength(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("distributions have " + a.length + " and " + b.length + " classes");
        }
    }

    private static double sum(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v;
        }
        return s;
    }

    private static double[] toDouble(float[] x) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i];
        }
        return out;
    }
}
