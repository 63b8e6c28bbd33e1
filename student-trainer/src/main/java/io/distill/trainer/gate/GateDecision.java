package io.distill.trainer.gate;

/**
 * What the gate decided about a candidate.
 *
 * @param verdict  publish, reject (the candidate is worse), or defer (not enough evidence yet to decide)
 * @param reason   a sentence for logs and metrics
 * @param churn    fraction of hold-out predictions that differ from the last published version's; NaN when there is
 *                 no previous version or no hold-out
 */
public record GateDecision(Verdict verdict, String reason, double churn) {

    public enum Verdict { PUBLISH, REJECT, DEFER }

    public boolean publish() {
        return verdict == Verdict.PUBLISH;
    }
}
