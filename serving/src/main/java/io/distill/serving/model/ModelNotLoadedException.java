package io.distill.serving.model;

/** No version of the model has been loaded yet; the server is not ready. */
public class ModelNotLoadedException extends RuntimeException {
    public ModelNotLoadedException(String modelName) {
        super("no version of " + modelName + " is loaded yet");
    }
}
