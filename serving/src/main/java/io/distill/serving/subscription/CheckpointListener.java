package io.distill.serving.subscription;

import io.distill.schema.CheckpointManifest;
import io.distill.serving.model.RefusalReason;

import java.time.Duration;

/** Callbacks for applications embedding the subscription library; called on the subscription's thread. */
public interface CheckpointListener {

    /**
     * {@code manifest}'s version is now served; {@code previousVersion} is -1 for the first load. Which container
     * was loaded (float32 or int8) is {@code manifest.getFormat().getPrecision()}.
     */
    default void onLoaded(CheckpointManifest manifest, long previousVersion, Duration loadTime) {
    }

    /** {@code version} of {@code model} was not swapped in; the previous version keeps serving. */
    default void onRefused(String model, long version, RefusalReason reason, String message) {
    }
}
