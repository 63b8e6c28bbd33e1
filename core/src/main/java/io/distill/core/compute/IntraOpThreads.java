package io.distill.core.compute;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies PyTorch's intra-op thread count ({@code ai.djl.pytorch.num_threads}) to the thread that runs a model.
 *
 * <p>DJL applies that setting once, on the thread that starts the engine. PyTorch's CPU build parallelises operators
 * with OpenMP, whose thread count is a per-thread setting: every other thread (a trainer's training loop, a teacher's
 * batch workers, a server's request threads) runs its operators with one OpenMP thread per core whatever was
 * configured. On a small machine whose cores also consume, decode and serve, those OpenMP teams contend with the rest
 * of the process and with each other: an 800x800 matrix product loop ran twice as long on a fresh thread as on the
 * engine's thread with {@code num_threads=1} on a shared 2-core machine, and as fast once this class had applied the
 * setting there. Call {@link #applyToCurrentThread()} before a thread's first model call; it costs one thread-local
 * read afterwards.
 */
public final class IntraOpThreads {

    private static final Logger log = LoggerFactory.getLogger(IntraOpThreads.class);
    private static final String PROPERTY = "ai.djl.pytorch.num_threads";
    private static final ThreadLocal<Boolean> APPLIED = ThreadLocal.withInitial(() -> Boolean.FALSE);

    private IntraOpThreads() {
    }

    /** The configured count, or 0 when {@code ai.djl.pytorch.num_threads} is not set (PyTorch's default applies). */
    public static int configured() {
        Integer n = Integer.getInteger(PROPERTY);
        return n == null || n < 1 ? 0 : n;
    }

    /**
     * Sets the configured intra-op thread count on the calling thread, once per thread; does nothing when none is
     * configured or PyTorch is not the engine in use.
     */
    public static void applyToCurrentThread() {
        if (APPLIED.get()) {
            return;
        }
        APPLIED.set(Boolean.TRUE);
        int n = configured();
        if (n == 0) {
            return;
        }
        try {
            if (!Engine.hasEngine("PyTorch")) {
                return;
            }
            Engine.getEngine("PyTorch"); // loads the native library the call below needs
            JniUtils.setNumThreads(n);
            log.debug("PyTorch intra-op threads set to {} on thread {}", n, Thread.currentThread().getName());
        } catch (LinkageError | RuntimeException e) {
            log.warn("Could not set PyTorch's intra-op threads to {} on thread {}: {}", n,
                    Thread.currentThread().getName(), e.toString());
        }
    }
}
