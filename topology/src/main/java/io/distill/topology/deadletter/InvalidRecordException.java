package io.distill.topology.deadletter;

/** A record that decoded but cannot be used; carries the reason code of its dead letter. */
public class InvalidRecordException extends RuntimeException {

    private final String reasonCode;

    public InvalidRecordException(String reasonCode, String message) {
        super(message);
        this.reasonCode = reasonCode;
    }

    public String reasonCode() {
        return reasonCode;
    }
}
