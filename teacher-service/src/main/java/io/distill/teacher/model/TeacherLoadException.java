package io.distill.teacher.model;

/** A teacher model could not be found, recognised or loaded; the message says which and why. */
public final class TeacherLoadException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public TeacherLoadException(String message) {
        super(message);
    }

    public TeacherLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
