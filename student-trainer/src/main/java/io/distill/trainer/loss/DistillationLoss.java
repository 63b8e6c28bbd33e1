package io.distill.trainer.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.loss.Loss;

/**
 * Knowledge-distillation loss (Hinton et al., 2015): a temperature-softened KL term towards the
 * teacher plus a cross-entropy term on the hard label, per example
 *
 * <pre>
 *   ℓ_i = w_i · ( a_i · T² · KL(q_i,T ‖ s_i,T) + b_i · CE(y_i, s_i,1) )
 *   q_i,T = softmax(teacherLogProbs_i / T)      (the teacher re-tempered: log_softmax(logp / T))
 *   s_i,T = softmax(z_i / T)                    (the student at temperature T)
 *   CE(y, s_i,1) = −log softmax(z_i)_y          (at temperature 1)
 * </pre>
 *
 * and the loss is the batch mean {@code (1/B) Σ_i ℓ_i} (dividing by B, not by Σw, so that an
 * example's weight is its importance relative to a weight-1 example). The T² factor keeps the
 * KD gradient's scale independent of T.
 *
 * <p>The coefficients {@code a_i, b_i} renormalise per example to what is available:
 *
 * <ul>
 *   <li>teacher and hard label: {@code a = α}, {@code b = 1 − α};
 *   <li>teacher only (hard label −1): {@code a = 1}, {@code b = 0} — the example keeps its full
 *       weight instead of losing the (1 − α) share;
 *   <li>hard label only (teacher mask 0): {@code a = 0}, {@code b = 1};
 *   <li>neither: the example contributes 0 (it still counts in B).
 * </ul>
 *
 * <h2>Layout of the NDLists</h2>
 *
 * <ul>
 *   <li>predictions: {@code [studentLogits (B, C)]}, raw scores.
 *   <li>labels: {@code [teacherLogProbs (B, C), hardLabel (B), weight (B), teacherMask (B)]}.
 *       {@code teacherLogProbs} are the teacher's natural-log probabilities at temperature 1 (as
 *       carried by {@code SoftTarget}); {@code -Infinity} entries are allowed (they are clamped to
 *       −10⁴ before tempering). {@code hardLabel} holds class indices (any numeric type), −1 for no
 *       label. {@code weight} is float32; when absent all weights are 1. {@code teacherMask} is 1
 *       where a teacher target exists and 0 where not; when absent every example has one. Rows of
 *       absent teachers must still be finite (fill them with zeros). Only {@code teacherLogProbs} is
 *       required.
 * </ul>
 *
 * <p>α and T can be changed between batches with {@link #setAlpha} and {@link #setTemperature}
 * (e.g. by a schedule), or passed per call to {@link #evaluate(NDList, NDList, float, float)}.
 */
public class DistillationLoss extends Loss {

    /** Teacher log-probabilities are clamped to this before tempering, so that 0·(−∞) never occurs. */
    static final float MIN_LOG_PROB = -1e4f;

    private volatile float alpha;
    private volatile float temperature;

    /**
     * @param alpha weight of the KD term in [0, 1]
     * @param temperature T &gt; 0
     */
    public DistillationLoss(float alpha, float temperature) {
        this("DistillationLoss", alpha, temperature);
    }

    /**
     * @param name the loss's name in DJL's metrics
     * @param alpha weight of the KD term in [0, 1]
     * @param temperature T &gt; 0
     */
    public DistillationLoss(String name, float alpha, float temperature) {
        super(name);
        setAlpha(alpha);
        setTemperature(temperature);
    }

    /** @return the current α */
    public float getAlpha() {
        return alpha;
    }

    /** @param alpha weight of the KD term in [0, 1], for the following batches */
    public final void setAlpha(float alpha) {
        checkAlpha(alpha);
        this.alpha = alpha;
    }

    /** @return the current T */
    public float getTemperature() {
        return temperature;
    }

    /** @param temperature T &gt; 0, for the following batches */
    public final void setTemperature(float temperature) {
        checkTemperature(temperature);
        this.temperature = temperature;
    }

    /**
     * Builds the label list in the documented order.
     *
     * @param teacherLogProbs (B, C)
     * @param hardLabels (B), −1 for none, or null
     * @param weights (B) or null
     * @param teacherMask (B) or null
     * @return the labels NDList
     */
    public static NDList labels(NDArray teacherLogProbs, NDArray hardLabels, NDArray weights, NDArray teacherMask) {
        NDList list = new NDList(teacherLogProbs);
        if (hardLabels != null || weights != null || teacherMask != null) {
            list.add(hardLabels != null ? hardLabels : teacherLogProbs.getManager().full(
                    new Shape(teacherLogProbs.getShape().get(0)), -1f));
        }
        if (weights != null || teacherMask != null) {
            list.add(weights != null ? weights : teacherLogProbs.getManager().ones(
                    new Shape(teacherLogProbs.getShape().get(0))));
        }
        if (teacherMask != null) {
            list.add(teacherMask);
        }
        return list;
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        return evaluate(labels, predictions, alpha, temperature);
    }

    /**
     * @param labels see the class comment
     * @param predictions see the class comment
     * @param alpha weight of the KD term for this call
     * @param temperature T for this call
     * @return the scalar batch loss
     */
    public NDArray evaluate(NDList labels, NDList predictions, float alpha, float temperature) {
        checkAlpha(alpha);
        checkTemperature(temperature);
        NDArray logits = predictions.get(0);
        NDArray teacher = labels.get(0);
        if (!logits.getShape().equals(teacher.getShape()) || logits.getShape().dimension() != 2) {
            throw new IllegalArgumentException(
                    "student logits " + logits.getShape() + " and teacher log-probs " + teacher.getShape()
                            + " must both be (B, C)");
        }
        long batch = logits.getShape().get(0);
        int classes = Math.toIntExact(logits.getShape().get(1));

        NDArray hasTeacher = labels.size() > 3 ? labels.get(3).toType(DataType.FLOAT32, false) : null;
        NDArray hard = labels.size() > 1 ? labels.get(1) : null;
        NDArray hasLabel = hard != null ? hard.gte(0).toType(DataType.FLOAT32, false) : null;
        NDArray weight = labels.size() > 2 ? labels.get(2).toType(DataType.FLOAT32, false) : null;

        float t = temperature;
        NDArray teacherT = teacher.toType(DataType.FLOAT32, false).maximum(MIN_LOG_PROB).div(t).logSoftmax(1);
        NDArray studentT = logits.div(t).logSoftmax(1);
        NDArray kd = teacherT.exp().mul(teacherT.sub(studentT)).sum(new int[] {1}).mul(t * t);

        NDArray perExample;
        if (hasLabel == null) {
            // KD only: a = 1 for every example with a teacher
            perExample = hasTeacher == null ? kd : kd.mul(hasTeacher);
        } else {
            NDArray ones = hasLabel.onesLike();
            NDArray teacherPresent = hasTeacher == null ? ones : hasTeacher;
            // a = present · (1 − hasLabel·(1 − α)); b = hasLabel · (1 − present·α)
            NDArray a = teacherPresent.mul(ones.sub(hasLabel.mul(1 - alpha)));
            NDArray b = hasLabel.mul(ones.sub(teacherPresent.mul(alpha)));
            NDArray oneHot = hard.toType(DataType.INT32, false).maximum(0).oneHot(classes).toType(DataType.FLOAT32, false);
            NDArray ce = oneHot.mul(logits.logSoftmax(1)).sum(new int[] {1}).neg();
            perExample = a.mul(kd).add(b.mul(ce));
        }
        if (weight != null) {
            perExample = perExample.mul(weight);
        }
        return perExample.sum().div((float) batch);
    }

    private static void checkAlpha(float alpha) {
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha must be in [0, 1], was " + alpha);
        }
    }

    private static void checkTemperature(float t) {
        if (!(t > 0) || !Float.isFinite(t)) {
            throw new IllegalArgumentException("temperature must be positive and finite, was " + t);
        }
    }
}
