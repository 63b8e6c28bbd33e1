package io.distill.topology.deadletter;

import io.distill.core.deadletter.DeadLetterRecords;
import io.distill.core.deadletter.ReasonCode;
import io.distill.core.softtarget.SoftTargetValidationException;
import io.distill.core.tensor.TensorValidationException;

/**
 * Maps the failures of decoding and validation onto core's {@link ReasonCode}s: the serdes' typed
 * decode exceptions keep their own code, tensor and soft-target validation theirs.
 */
public final class ReasonCodes {

    private ReasonCodes() {}

    /** @return the reason code of a decoding or validation failure */
    public static ReasonCode of(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof TensorValidationException tve) {
                return parse(tve.reasonCode());
            }
            if (t instanceof SoftTargetValidationException ste) {
                return parse(ste.reasonCode());
            }
            if (t instanceof InvalidRecordException ire) {
                return ire.reasonCode();
            }
        }
        return DeadLetterRecords.reasonOf(error);
    }

    /**
     * True for failures that are not the record's fault (the schema registry cannot be reached):
     * they are retried, never dead-lettered.
     */
    public static boolean isTransient(Throwable error) {
        return !DeadLetterRecords.isDeadLetterable(error);
    }

    private static ReasonCode parse(String code) {
        try {
            return ReasonCode.valueOf(code);
        } catch (IllegalArgumentException e) {
            return ReasonCode.INVALID_RECORD;
        }
    }
}
