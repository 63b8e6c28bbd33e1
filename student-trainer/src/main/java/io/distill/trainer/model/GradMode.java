package io.distill.trainer.model;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * PyTorch's autograd mode is per thread and starts enabled on every new thread; DJL switches it off only on the
 * thread that initialised the engine, and a {@code GradientCollector} restores whatever mode it found. The optimizer
 * updates parameters in place, which autograd refuses for leaf variables while the mode is on, so a training thread
 * of its own must switch it off first. A no-op for other engines.
 */
final class GradMode {

    private static final ThreadLocal<Boolean> DONE = ThreadLocal.withInitial(() -> false);

    private GradMode() {
    }

    static void disableOnThisThread() {
        if (!DONE.get()) {
            if ("PyTorch".equals(Engine.getInstance().getEngineName())) {
                JniUtils.setGradMode(false);
            }
            DONE.set(true);
        }
    }
}
