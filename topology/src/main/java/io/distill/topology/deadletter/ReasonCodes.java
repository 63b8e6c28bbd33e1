package io.distill.topology.deadletter;

import io.distill.core.softtarget.SoftTargetValidationException;
import io.distill.core.tensor.TensorValidationException;

/** Maps the exceptions of decoding and validation onto the reason codes dead letters carry. */
public final class ReasonCodes {

    public static final String UNDECODABLE = "UNDECODABLE";
    public static final String MISSING_KEY = "MISSING_KEY";
    public static final String KEY_MISMATCH = "KEY_MISMATCH";
    public static final String INVALID_RECORD = "INVALID_RECORD";
    public static final String LABEL_SPACE_MISMATCH = SoftTargetValidationException.LABEL_SPACE_MISMATCH;

    private ReasonCodes() {}

    /** @return the reason code of a decoding or validation failure */
    public static String of(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof TensorValidationException tve) {
                return tve.reasonCode();
            }
            if (t instanceof SoftTargetValidationException ste) {
                return ste.reasonCode();
            }
            if (t instanceof InvalidRecordException ire) {
                return ire.reasonCode();
            }
            String coded = reasonCodeMethod(t);
            if (coded != null) {
                return coded;
            }
        }
        return UNDECODABLE;
    }

    /**
     * True for failures that are not the record's fault (the schema registry cannot be reached):
     * they must be retried, never dead-lettered.
     */
    public static boolean isTransient(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t.getClass().getSimpleName().equals("RegistryUnavailableException")) {
                return true;
            }
        }
        return false;
    }

    /** Codes of the core serdes' typed decode exceptions, which expose {@code reasonCode()}. */
    private static String reasonCodeMethod(Throwable t) {
        try {
            Object code = t.getClass().getMethod("reasonCode").invoke(t);
            return code == null ? null : code.toString();
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
