package io.distill.stack;

/** The embedded stack, or one of its parts, could not be started, stopped or reached. */
public class StackException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public StackException(String message) {
        super(message);
    }

    public StackException(String message, Throwable cause) {
        super(message, cause);
    }
}
