package io.distill.core.softtarget;

/**
 * A soft target that cannot be used. {@link #reasonCode()} is the machine-readable code that dead
 * letters carry.
 */
public class SoftTargetValidationException extends RuntimeException {

    /** numClasses differs from the size of the label space it is used with. */
    public static final String LABEL_SPACE_MISMATCH = "LABEL_SPACE_MISMATCH";

    /** Malformed: both forms set, wrong lengths, repeated class ids, mass not summing to 1. */
    public static final String INVALID_SOFT_TARGET = "INVALID_SOFT_TARGET";

    /** A top-k class id lies outside {@code [0, numClasses)}. */
    public static final String LABEL_OUT_OF_RANGE = "LABEL_OUT_OF_RANGE";

    /** Neither the dense nor the top-k form is set: the target's encoding is not one this code knows. */
    public static final String UNKNOWN_ENCODING = "UNKNOWN_ENCODING";

    /** A log-probability is NaN or positive infinity. */
    public static final String NON_FINITE_VALUE = "NON_FINITE_VALUE";

    private final String reasonCode;

    /**
     * @param reasonCode one of the constants of this class
     * @param message human-readable explanation
     */
    public SoftTargetValidationException(String reasonCode, String message) {
        super(message);
        this.reasonCode = reasonCode;
    }

    /** @return the machine-readable reason */
    public String reasonCode() {
        return reasonCode;
    }
}
