package io.distill.serving.model;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The version a server currently serves for one model, swapped atomically. {@link #lease()} hands out a reference
 * counted hold on the current version; {@link #swap} publishes a newer one and lets the old one close once its last
 * lease is released.
 */
public final class ModelSlot {

    private final String modelName;
    private final AtomicReference<LoadedModel> current = new AtomicReference<>();

    public ModelSlot(String modelName) {
        this.modelName = modelName;
    }

    public String modelName() {
        return modelName;
    }

    /**
     * A lease on the version served now.
     *
     * @throws ModelNotLoadedException when no version has been loaded yet
     */
    public ModelLease lease() {
        while (true) {
            LoadedModel model = current.get();
            if (model == null) {
                throw new ModelNotLoadedException(modelName);
            }
            if (model.tryRetain()) {
                return new ModelLease(model);
            }
            // Swapped out and closed between the read and the retain: read the newer one.
        }
    }

    /** Publishes {@code next}; the previous version is released (closed after its in-flight requests). */
    public void swap(LoadedModel next) {
        LoadedModel previous = current.getAndSet(next);
        if (previous != null) {
            previous.release();
        }
    }

    public Optional<LoadedModel> current() {
        return Optional.ofNullable(current.get());
    }

    /** The version served now, or -1 before the first load. */
    public long currentVersion() {
        LoadedModel model = current.get();
        return model == null ? -1 : model.version();
    }

    /** Unpublishes and releases the current version (on shutdown). */
    public void clear() {
        swap(null);
    }
}
