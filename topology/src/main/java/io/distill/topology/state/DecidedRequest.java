package io.distill.topology.state;

import io.distill.schema.LabelSpace;
import io.distill.schema.Split;
import io.distill.topology.accounting.Outcome;

/**
 * What the topology remembers about a request id after deciding it: enough to recognise a replay
 * (duplicate) and to turn a late ground-truth label into a correction of the emitted example. It
 * holds no input and no metadata.
 *
 * @param outcome the request's disposition
 * @param split the split of an emitted example, null otherwise
 * @param sampleKey the key that decided the split, null when not an example
 * @param task the request's task, null when not an example
 * @param eventTime the request's event time
 * @param labelSpace the example's label space, null when not an example
 * @param decidedAt wall-clock time of the decision
 * @param hardLabelSent true when the example (or a correction) already carried a hard label
 * @param site the site whose topics the example went to, null when not routing by site or not an example
 */
public record DecidedRequest(
        Outcome outcome,
        Split split,
        String sampleKey,
        String task,
        long eventTime,
        LabelSpace labelSpace,
        long decidedAt,
        boolean hardLabelSent,
        String site) {

    /** A decision without a site (routing by site off, or not an example). */
    public DecidedRequest(Outcome outcome, Split split, String sampleKey, String task, long eventTime,
            LabelSpace labelSpace, long decidedAt, boolean hardLabelSent) {
        this(outcome, split, sampleKey, task, eventTime, labelSpace, decidedAt, hardLabelSent, null);
    }

    /** @return true when an example went to examples or holdout */
    public boolean isExample() {
        return outcome == Outcome.EXAMPLE;
    }

    /** @return a copy noting that a hard label has been sent */
    public DecidedRequest withHardLabelSent() {
        return new DecidedRequest(outcome, split, sampleKey, task, eventTime, labelSpace, decidedAt, true, site);
    }
}
