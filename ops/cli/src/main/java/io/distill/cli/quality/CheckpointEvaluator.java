package io.distill.cli.quality;

import io.distill.core.dataset.FashionMnist;
import io.distill.core.topics.Topics;
import io.distill.serving.control.CheckpointCatalog;
import io.distill.serving.model.CheckpointLoader;
import io.distill.serving.model.CheckpointRefusedException;
import io.distill.serving.model.CoreNetworkRestorer;
import io.distill.serving.model.Devices;
import io.distill.serving.model.LoadedModel;
import io.distill.serving.model.ServingContract;
import io.distill.serving.model.StoreBlobSource;
import io.distill.schema.CheckpointManifest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;

/**
 * Measures published checkpoints as a serving fleet would see them: reads a model's manifests from the checkpoint
 * topic, fetches and verifies each version's blob through the serving library, rebuilds the network and scores it on
 * test images it never trained on.
 */
public final class CheckpointEvaluator implements AutoCloseable {

    /**
     * Test accuracy of one published version.
     *
     * @param holdout the manifest's metrics: the trainer's hold-out metrics at publication ({@code agreement},
     *                {@code accuracy}, {@code holdout.examples}, ...) and the distillation setting it trained with
     */
    public record VersionScore(long version, long samplesSeen, double accuracy, long totalBytes, long parameters,
                               Map<String, Double> holdout) {
        public VersionScore {
            holdout = Map.copyOf(holdout);
        }

        /** A metric of the manifest, NaN when it has none. */
        public double holdoutMetric(String name) {
            return holdout.getOrDefault(name, Double.NaN);
        }
    }

    private static final int BATCH = 500;

    private final Topics topics;
    private final Map<String, Object> kafka;
    private final StoreBlobSource blobs;
    private final CheckpointLoader loader;

    public CheckpointEvaluator(Topics topics, Map<String, Object> kafkaProperties) {
        this.topics = topics;
        this.kafka = new HashMap<>(kafkaProperties);
        Map<String, Object> blobProps = new HashMap<>(kafkaProperties);
        blobProps.putAll(topics.catalogue().blobConsumerOverrides());
        this.blobs = new StoreBlobSource(blobProps);
        ServingContract contract = new ServingContract(FashionMnist.LABEL_SPACE_ID, FashionMnist.LABEL_SPACE_VERSION,
                FashionMnist.CLASS_NAMES, FashionMnist.IMAGE_SHAPE);
        this.loader = new CheckpointLoader(contract, blobs, new CoreNetworkRestorer(Devices.choose("cpu")));
    }

    /** Every published version of {@code model}, oldest first. */
    public List<CheckpointManifest> manifests(String model) {
        NavigableMap<Long, CheckpointManifest> all = CheckpointCatalog.read(model, topics.checkpoints(),
                topics.checkpointControl(), kafka, Duration.ofSeconds(30)).manifests();
        return List.copyOf(all.values());
    }

    /**
     * Scores up to {@code maxVersions} versions of {@code model} spread evenly over its lineage (always the first and the
     * last) on the first {@code limit} images of {@code test}.
     */
    public List<VersionScore> scoreLineage(String model, FashionMnist.Split test, int limit, int maxVersions)
            throws CheckpointRefusedException {
        List<CheckpointManifest> manifests = manifests(model);
        List<VersionScore> scores = new ArrayList<>();
        for (CheckpointManifest m : spread(manifests, maxVersions)) {
            scores.add(score(m, test, limit));
        }
        return scores;
    }

    /** Fetches, verifies and loads {@code manifest}'s version through the serving library; discard it after use. */
    public LoadedModel load(CheckpointManifest manifest) throws CheckpointRefusedException {
        return loader.load(manifest);
    }

    /** Loads {@code manifest}'s version through the serving library and scores it. */
    public VersionScore score(CheckpointManifest manifest, FashionMnist.Split test, int limit) throws CheckpointRefusedException {
        LoadedModel model = loader.load(manifest);
        try {
            double accuracy = accuracy(model::predict, test, limit);
            return new VersionScore(manifest.getVersion(), manifest.getSamplesSeen(), accuracy, manifest.getTotalBytes(),
                    manifest.getArchitecture().getParameterCount(), manifest.getMetrics());
        } finally {
            model.discard();
        }
    }

    /** Share of the first {@code limit} images of {@code test} whose most probable class is their label. */
    static double accuracy(Classifier classifier, FashionMnist.Split test, int limit) {
        int n = Math.min(limit, test.size());
        int correct = 0;
        for (int start = 0; start < n; start += BATCH) {
            int end = Math.min(n, start + BATCH);
            float[][] batch = java.util.Arrays.copyOfRange(test.images(), start, end);
            float[][] scores = classifier.scores(batch);
            for (int i = 0; i < scores.length; i++) {
                if (argmax(scores[i]) == test.labels()[start + i]) {
                    correct++;
                }
            }
        }
        return (double) correct / n;
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    static <T> List<T> spread(List<T> items, int max) {
        if (items.size() <= max || max < 2) {
            return items;
        }
        List<T> out = new ArrayList<>();
        for (int i = 0; i < max; i++) {
            int index = (int) Math.round(i * (items.size() - 1) / (double) (max - 1));
            if (out.isEmpty() || out.get(out.size() - 1) != items.get(index)) {
                out.add(items.get(index));
            }
        }
        return out;
    }

    /** Anything that scores a batch of images per class (probabilities or log-probabilities). */
    @FunctionalInterface
    public interface Classifier {
        float[][] scores(float[][] images);
    }

    @Override
    public void close() {
        blobs.close();
    }
}
