package io.distill.core.tensor;

/**
 * A tensor that cannot be used: wrong shape, unsupported element type or a value that is not
 * finite. {@link #reasonCode()} is the machine-readable code that dead letters carry.
 */
public class TensorValidationException extends RuntimeException {

    /** The shape does not match the data length, is malformed or differs from the expected one. */
    public static final String INVALID_TENSOR_SHAPE = "INVALID_TENSOR_SHAPE";

    /** The element type, layout or byte order is missing or not supported. */
    public static final String INVALID_TENSOR_DTYPE = "INVALID_TENSOR_DTYPE";

    /** A value is NaN or infinite. */
    public static final String NON_FINITE_VALUE = "NON_FINITE_VALUE";

    private final String reasonCode;

    /**
     * @param reasonCode one of the reason-code constants of this class
     * @param message human-readable explanation
     */
    public TensorValidationException(String reasonCode, String message) {
        super(message);
        this.reasonCode = reasonCode;
    }

    /** @return the machine-readable reason, e.g. {@link #INVALID_TENSOR_SHAPE} */
    public String reasonCode() {
        return reasonCode;
    }
}
