package io.distill.trainer.gate;

import io.distill.trainer.eval.HoldoutMetrics;

import java.util.Locale;

/**
 * Decides whether a candidate may replace the last published version.
 *
 * <ul>
 *   <li>Non-finite weights are always rejected.</li>
 *   <li><b>First version</b> (nothing published yet): published once the hold-out holds at least
 *       {@code minHoldout} examples, or, while it holds fewer, once {@code firstVersionAfterSamples} samples have been
 *       trained; deferred before that. There is nothing to compare with, so no metric threshold applies.</li>
 *   <li><b>Later versions</b>: candidate and published version are scored on the same hold-out snapshot. Deferred
 *       while the snapshot is empty; rejected when agreement with the teacher or accuracy on hard labels dropped by
 *       more than {@code tolerance} plus the sampling noise of the comparison, or the KL to the teacher grew by more
 *       than {@code klTolerance} (relative);
 *       published otherwise. After a rejection training goes on from the candidate and the next attempt is gated
 *       against the same published version; the offsets since that version stay unpublished until a candidate
 *       passes, so the lineage never loses data.</li>
 * </ul>
 *
 * <p>Sampling noise: both versions are scored on the same examples, so a difference in agreement or accuracy can only
 * come from the examples on which their predictions differ (the churn {@code c}). Under "no real difference" the
 * measured drop has a standard error of about {@code sqrt(c/n)} on {@code n} examples (McNemar's paired test). A drop
 * counts against the candidate only when it exceeds the tolerance <em>and</em> two of those standard errors. Hard
 * labels are rare (a few per cent of requests): without the second condition an accuracy measured on a few dozen
 * labelled hold-out examples rejects good candidates by chance, while a genuinely degraded candidate still falls far
 * outside it. Without a churn figure the unpaired bound {@code 2p(1-p)} stands in for {@code c}.
 */
public final class QualityGate {

    private final GatePolicy policy;

    public QualityGate(GatePolicy policy) {
        this.policy = policy;
    }

    public GatePolicy policy() {
        return policy;
    }

    /**
     * @param weightsFinite  whether every parameter of the candidate is finite
     * @param candidate      the candidate's metrics on the snapshot ({@code examples} may be 0)
     * @param published      the last published version's metrics on the same snapshot; {@code null} for none
     * @param churn          prediction churn between the two on the snapshot (NaN when not comparable)
     * @param samplesSeen    samples trained in this lineage
     */
    public GateDecision decide(boolean weightsFinite, HoldoutMetrics candidate, HoldoutMetrics published, double churn,
                               long samplesSeen) {
        if (!weightsFinite) {
            return new GateDecision(GateDecision.Verdict.REJECT, "candidate has non-finite weights", churn);
        }
        if (published == null) {
            if (candidate.examples() >= policy.minHoldout()) {
                return new GateDecision(GateDecision.Verdict.PUBLISH, "first version, hold-out of "
                        + candidate.examples() + " examples", Double.NaN);
            }
            if (policy.firstVersionAfterSamples() > 0 && samplesSeen >= policy.firstVersionAfterSamples()) {
                return new GateDecision(GateDecision.Verdict.PUBLISH, "first version after " + samplesSeen
                        + " samples with a hold-out of only " + candidate.examples() + " examples", Double.NaN);
            }
            return new GateDecision(GateDecision.Verdict.DEFER, "first version waits for " + policy.minHoldout()
                    + " hold-out examples (have " + candidate.examples() + ") or "
                    + policy.firstVersionAfterSamples() + " samples (have " + samplesSeen + ")", Double.NaN);
        }
        if (candidate.examples() == 0) {
            return new GateDecision(GateDecision.Verdict.DEFER, "no hold-out examples to compare on", churn);
        }
        if (worse(candidate.agreement(), published.agreement(), candidate.examples(), churn)) {
            return reject("agreement", candidate.agreement(), published.agreement(), churn);
        }
        if (candidate.labelled() > 0 && worse(candidate.accuracy(), published.accuracy(), candidate.labelled(), churn)) {
            return reject("accuracy", candidate.accuracy(), published.accuracy(), churn);
        }
        if (!Double.isNaN(published.kl()) && !(candidate.kl() <= published.kl() * (1 + policy.klTolerance()) + 1e-9)) {
            return reject("kl", candidate.kl(), published.kl(), churn);
        }
        return new GateDecision(GateDecision.Verdict.PUBLISH, String.format(Locale.ROOT,
                "agreement %.4f vs %.4f on %d hold-out examples, churn %.4f", candidate.agreement(),
                published.agreement(), candidate.examples(), churn), churn);
    }

    private boolean worse(double candidate, double published, long examples, double churn) {
        if (Double.isNaN(published)) {
            return false;
        }
        if (Double.isNaN(candidate)) {
            return true;
        }
        double drop = published - candidate;
        return drop > policy.tolerance() && drop > noiseMargin(published, examples, churn, drop);
    }

    /** Two standard errors of a paired difference of rates on {@code n} examples whose predictions differ on a share {@code churn}. */
    static double noiseMargin(double p, long n, double churn, double drop) {
        if (n <= 0) {
            return 0;
        }
        double discordant = Double.isNaN(churn) ? 2 * p * (1 - p) : churn;
        // The predictions differ on at least the examples that make up the drop.
        return 2 * Math.sqrt(Math.max(discordant, Math.abs(drop)) / n);
    }

    private static GateDecision reject(String metric, double candidate, double published, double churn) {
        return new GateDecision(GateDecision.Verdict.REJECT, String.format(Locale.ROOT,
                "%s %.4f is worse than the published version's %.4f beyond tolerance", metric, candidate, published),
                churn);
    }
}
