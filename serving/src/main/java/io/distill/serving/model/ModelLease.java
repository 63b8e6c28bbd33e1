package io.distill.serving.model;

/**
 * A request's hold on one {@link LoadedModel}: while any lease is open the model's native resources stay alive,
 * even after a newer version has been swapped in. Closing the lease is idempotent.
 */
public final class ModelLease implements AutoCloseable {

    private final LoadedModel model;
    private boolean closed;

    ModelLease(LoadedModel model) {
        this.model = model;
    }

    public LoadedModel model() {
        return model;
    }

    public long version() {
        return model.version();
    }

    /** Class probabilities of each input row, computed by the leased version. */
    public float[][] predict(float[][] inputs) {
        if (closed) {
            throw new IllegalStateException("lease already closed");
        }
        return model.predict(inputs);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            model.release();
        }
    }
}
