package io.distill.trainer.data;

/** A decoded example the student cannot learn from; goes to the dead-letter topic with its reason code. */
public class InvalidExampleException extends Exception {

    private final String reasonCode;

    public InvalidExampleException(String reasonCode, String message) {
        super(message);
        this.reasonCode = reasonCode;
    }

    public String reasonCode() {
        return reasonCode;
    }
}
