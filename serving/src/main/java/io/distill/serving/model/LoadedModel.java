package io.distill.serving.model;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.translate.TranslateException;
import io.distill.core.compute.IntraOpThreads;
import io.distill.schema.CheckpointManifest;
import io.distill.schema.Precision;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One immutable, fully loaded and warmed-up checkpoint version: the DJL {@link Model} and a pool of
 * {@link Predictor}s (DJL predictors are not thread-safe, so each call borrows one and returns it).
 *
 * <p>Lifetime is reference counted. The {@link ModelSlot} holding the model owns one reference; every request holds
 * one through a {@link ModelLease}. When the slot swaps in a newer version it drops its reference, and the model is
 * closed by whichever release brings the count to zero: in-flight requests always finish on the version they started
 * with, and no request can lease a model that has already been closed.
 */
public final class LoadedModel {

    private static final Logger log = LoggerFactory.getLogger(LoadedModel.class);

    private final String modelName;
    private final long version;
    private final CheckpointManifest manifest;
    private final Model model;
    private final int[] inputShape;
    private final int numClasses;
    private final ConcurrentLinkedQueue<Predictor<float[][], float[][]>> idle = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Predictor<float[][], float[][]>> all = new ConcurrentLinkedQueue<>();
    private final AtomicInteger references = new AtomicInteger(1);
    private final long loadedAtMillis = System.currentTimeMillis();

    public LoadedModel(CheckpointManifest manifest, Model model, int numClasses) {
        this.modelName = manifest.getModelName();
        this.version = manifest.getVersion();
        this.manifest = manifest;
        this.model = model;
        this.inputShape = manifest.getInputShape().stream().mapToInt(Integer::intValue).toArray();
        this.numClasses = numClasses;
    }

    public String modelName() {
        return modelName;
    }

    public long version() {
        return version;
    }

    public CheckpointManifest manifest() {
        return manifest;
    }

    /**
     * How the checkpoint stored its parameters (FLOAT32, or INT8 weights with per-channel scales). The network
     * itself runs in float32 either way: int8 weights are dequantized on load, as DJL's PyTorch engine here has no
     * int8 kernels.
     */
    public Precision precision() {
        return manifest.getFormat().getPrecision();
    }

    public int[] inputShape() {
        return inputShape.clone();
    }

    public int inputSize() {
        return Arrays.stream(inputShape).reduce(1, (a, b) -> a * b);
    }

    public int numClasses() {
        return numClasses;
    }

    public long loadedAtMillis() {
        return loadedAtMillis;
    }

    /** Class probabilities of each row of {@code inputs} (each row holds {@link #inputSize()} values). */
    public float[][] predict(float[][] inputs) {
        IntraOpThreads.applyToCurrentThread();
        Predictor<float[][], float[][]> predictor = idle.poll();
        if (predictor == null) {
            predictor = model.newPredictor(new ProbabilitiesTranslator(inputShape));
            all.add(predictor);
        }
        try {
            return predictor.predict(inputs);
        } catch (TranslateException e) {
            throw new InferenceException("inference failed on " + modelName + " v" + version + ": " + e.getMessage(),
                    e);
        } finally {
            idle.add(predictor);
        }
    }

    /** Takes a reference unless the model has already been released for good. */
    boolean tryRetain() {
        while (true) {
            int current = references.get();
            if (current <= 0) {
                return false;
            }
            if (references.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    void release() {
        int left = references.decrementAndGet();
        if (left == 0) {
            closeResources();
        } else if (left < 0) {
            throw new IllegalStateException("released more often than retained: " + modelName + " v" + version);
        }
    }

    /** Drops the creator's reference of a model that was never published (e.g. one that failed warm-up). */
    public void discard() {
        release();
    }

    public boolean isClosed() {
        return references.get() <= 0;
    }

    private void closeResources() {
        Predictor<float[][], float[][]> p;
        while ((p = all.poll()) != null) {
            p.close();
        }
        idle.clear();
        model.close();
        log.debug("closed {} v{}", modelName, version);
    }
}
