package io.distill.serving.model;

/** Inference on a loaded model failed (bad input size or an engine error). */
public class InferenceException extends RuntimeException {
    public InferenceException(String message, Throwable cause) {
        super(message, cause);
    }

    public InferenceException(String message) {
        super(message);
    }
}
