package io.distill.serving.model;

import ai.djl.Model;
import io.distill.schema.CheckpointManifest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a manifest into a {@link LoadedModel} that is safe to swap in, or refuses it: contract check (label space,
 * input shape) before any byte is fetched, then fetch and verification, network restore, and a warm-up inference
 * whose output must be a probability distribution over the label space for every row.
 */
public final class CheckpointLoader {

    private static final Logger log = LoggerFactory.getLogger(CheckpointLoader.class);
    private static final int[] WARMUP_BATCHES = {1, 8};

    private final ServingContract contract;
    private final BlobSource blobs;
    private final NetworkRestorer restorer;

    public CheckpointLoader(ServingContract contract, BlobSource blobs, NetworkRestorer restorer) {
        this.contract = contract;
        this.blobs = blobs;
        this.restorer = restorer;
    }

    public ServingContract contract() {
        return contract;
    }

    public LoadedModel load(CheckpointManifest manifest) throws CheckpointRefusedException {
        contract.check(manifest);
        long t0 = System.nanoTime();
        byte[] blob = blobs.fetch(manifest);
        long t1 = System.nanoTime();
        Model model = restorer.restore(manifest, blob);
        long t2 = System.nanoTime();
        int classes = expectedClasses(manifest);
        LoadedModel loaded = new LoadedModel(manifest, model, classes);
        try {
            warmUp(loaded, classes);
        } catch (CheckpointRefusedException | RuntimeException e) {
            loaded.discard();
            if (e instanceof CheckpointRefusedException refused) {
                throw refused;
            }
            throw new CheckpointRefusedException(RefusalReason.WARMUP_FAILED,
                    "warm-up of " + manifest.getModelName() + " v" + manifest.getVersion() + " failed: " + e, e);
        }
        log.info("{} v{}: {} checkpoint, fetched and verified {} bytes in {} ms, restored in {} ms, warmed up in {} ms",
                manifest.getModelName(), manifest.getVersion(), loaded.precision(), blob.length, (t1 - t0) / 1_000_000,
                (t2 - t1) / 1_000_000, (System.nanoTime() - t2) / 1_000_000);
        return loaded;
    }

    private int expectedClasses(CheckpointManifest manifest) {
        if (contract.numClasses() > 0) {
            return contract.numClasses();
        }
        int named = manifest.getLabelSpace().getClassNames().size();
        return named > 0 ? named : -1;
    }

    private static void warmUp(LoadedModel loaded, int classes) throws CheckpointRefusedException {
        for (int batch : WARMUP_BATCHES) {
            float[][] inputs = new float[batch][loaded.inputSize()];
            float[][] out = loaded.predict(inputs);
            if (out.length != batch) {
                throw warmupFailure(loaded, "answered " + out.length + " rows for " + batch);
            }
            for (float[] row : out) {
                if (classes > 0 && row.length != classes) {
                    throw warmupFailure(loaded, "outputs " + row.length + " classes, the label space has " + classes);
                }
                double sum = 0;
                for (float p : row) {
                    if (!Float.isFinite(p)) {
                        throw warmupFailure(loaded, "outputs a non-finite probability");
                    }
                    sum += p;
                }
                if (Math.abs(sum - 1.0) > 1e-3) {
                    throw warmupFailure(loaded, "probabilities sum to " + sum);
                }
            }
        }
        log.debug("warmed up {} v{}", loaded.modelName(), loaded.version());
    }

    private static CheckpointRefusedException warmupFailure(LoadedModel loaded, String what) {
        return new CheckpointRefusedException(RefusalReason.WARMUP_FAILED,
                loaded.modelName() + " v" + loaded.version() + " " + what);
    }
}
