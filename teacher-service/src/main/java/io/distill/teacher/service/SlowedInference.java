package io.distill.teacher.service;

import io.distill.teacher.model.TeacherInference;
import java.time.Duration;

/**
 * A teacher made slower by a fixed time per batch, standing in for a large teacher when the
 * service's behaviour under a slow model is studied (back-pressure, in-flight bound). Only used
 * when {@code teacher.simulated-latency} is set.
 */
final class SlowedInference implements TeacherInference {

    private final TeacherInference delegate;
    private final long sleepMillis;

    SlowedInference(TeacherInference delegate, Duration extra) {
        this.delegate = delegate;
        this.sleepMillis = extra.toMillis();
    }

    @Override
    public float[][] logProbabilities(float[][] batch) throws Exception {
        Thread.sleep(sleepMillis);
        return delegate.logProbabilities(batch);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
