package io.distill.topology.join;

import io.distill.core.softtarget.SoftTargets;
import io.distill.core.tensor.TensorCodec;
import io.distill.schema.GroundTruth;
import io.distill.schema.InferenceRequest;
import io.distill.schema.SoftLabel;
import io.distill.topology.deadletter.InvalidRecordException;
import io.distill.topology.policy.SiteRouter;
import io.distill.core.deadletter.ReasonCode;

/** The checks each input must pass before it may be joined; failures are dead-lettered. */
public final class InputValidators {

    private InputValidators() {}

    /** Key equals the request id; the input tensor is well formed and finite (core's codec). */
    public static RecordValidator<InferenceRequest> requests() {
        return (key, request) -> {
            sameKey(key, request.getRequestId());
            TensorCodec.decode(request.getInput());
        };
    }

    /** As {@link #requests()}, and, when routing by site, the request's site is known ({@code UNKNOWN_SITE}). */
    public static RecordValidator<InferenceRequest> requests(SiteRouter sites) {
        RecordValidator<InferenceRequest> base = requests();
        if (!sites.enabled()) {
            return base;
        }
        return (key, request) -> {
            base.validate(key, request);
            sites.siteOf(request.getMetadata());
        };
    }

    /** Key equals the request id; the target is a valid distribution over its label space. */
    public static RecordValidator<SoftLabel> softLabels() {
        return (key, label) -> {
            sameKey(key, label.getRequestId());
            int classes = label.getLabelSpace().getClassNames().isEmpty()
                    ? label.getTarget().getNumClasses()
                    : label.getLabelSpace().getClassNames().size();
            SoftTargets.validate(label.getTarget(), classes);
        };
    }

    /** Key equals the request id; the label is a class index. */
    public static RecordValidator<GroundTruth> groundTruth() {
        return (key, truth) -> {
            sameKey(key, truth.getRequestId());
            if (truth.getLabel() < 0) {
                throw new InvalidRecordException(ReasonCode.LABEL_OUT_OF_RANGE, "label " + truth.getLabel() + " is negative");
            }
        };
    }

    private static void sameKey(String key, String requestId) {
        if (!key.equals(requestId)) {
            throw new InvalidRecordException(ReasonCode.INVALID_RECORD,
                    "record key '" + key + "' differs from requestId '" + requestId + "'");
        }
    }
}
