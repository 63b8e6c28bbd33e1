package io.distill.trainer.codistill;

import ai.djl.Device;
import io.distill.core.topics.Topics;
import io.distill.serving.model.CheckpointLoader;
import io.distill.serving.model.CoreNetworkRestorer;
import io.distill.serving.model.ModelLease;
import io.distill.serving.model.ModelSlot;
import io.distill.serving.model.ServingContract;
import io.distill.serving.model.StoreBlobSource;
import io.distill.serving.subscription.CheckpointSubscription;
import io.distill.serving.subscription.ModelTrack;
import io.distill.serving.subscription.SubscriptionMetrics;
import io.distill.trainer.data.Sample;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The other sites' students, as codistillation targets. Their newest published checkpoints are followed with the
 * serving library's {@link CheckpointSubscription} (manifest and control topics, blobs from the blob store, the same
 * verification and warm-up as a student server), loaded read-only on the trainer's device. Knowledge crosses sites
 * only as these checkpoints: no example topic of another site is ever read.
 *
 * <p>The training thread holds a lease on one version per peer and takes the newer served version only once
 * {@code refresh} has passed, so the peer targets stay fixed for a while instead of moving at every publication.
 * {@link #meanLogProbs} averages the peers' distributions in probability space (temperature 1) and returns their
 * natural log, the form the distillation loss takes teachers in.
 */
public final class PeerEnsemble implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PeerEnsemble.class);
    private static final double MIN_PROBABILITY = 1e-8;

    private final Map<String, ModelSlot> slots = new LinkedHashMap<>();
    private final Map<String, ModelLease> leases = new java.util.concurrent.ConcurrentHashMap<>();
    private final StoreBlobSource blobs;
    private final CheckpointSubscription subscription;
    private final Duration refresh;
    private long refreshedAt = Long.MIN_VALUE;
    private volatile int peersInUse;

    /**
     * @param peerModels model names of the other sites' students
     * @param topics the checkpoint topics
     * @param kafka Kafka client settings
     * @param contract label space and input shape the peers must have (this trainer's)
     * @param device where the peers' networks live (the trainer's device)
     * @param refresh how long a peer version is used before a newer one is taken
     */
    public PeerEnsemble(List<String> peerModels, Topics topics, Map<String, Object> kafka, ServingContract contract,
                        Device device, Duration refresh, MeterRegistry registry) {
        this.refresh = refresh;
        Map<String, Object> blobProps = new HashMap<>(kafka);
        blobProps.putAll(topics.catalogue().blobConsumerOverrides());
        this.blobs = new StoreBlobSource(blobProps);
        CheckpointLoader loader = new CheckpointLoader(contract, blobs, new CoreNetworkRestorer(device));
        SubscriptionMetrics metrics = new SubscriptionMetrics(registry);
        List<ModelTrack> tracks = new ArrayList<>();
        for (String peer : peerModels) {
            ModelSlot slot = new ModelSlot(peer);
            slots.put(peer, slot);
            tracks.add(new ModelTrack(peer, loader, slot, metrics));
        }
        this.subscription = new CheckpointSubscription(kafka, topics.checkpoints().name(),
                topics.checkpointControl().name(), topics.checkpoints().valueDeserializer(),
                topics.checkpointControl().valueDeserializer(), tracks,
                (record, error) -> log.warn("skipping a checkpoint record of a peer ({}-{}@{}): {}", record.topic(),
                        record.partition(), record.offset(), error.toString()));
        Gauge.builder("distill.trainer.codistill.peers", () -> peersInUse)
                .description("Peer sites whose checkpoints the codistillation term uses now")
                .register(registry);
    }

    public PeerEnsemble start() {
        subscription.start();
        log.info("Following peer checkpoints of {} (refresh every {})", slots.keySet(), refresh);
        return this;
    }

    /**
     * The log of the peers' mean distribution for every sample, or empty while no peer has published a version.
     * Called on the training thread only.
     */
    public Optional<float[][]> meanLogProbs(List<Sample> samples) {
        refreshIfDue();
        if (leases.isEmpty()) {
            return Optional.empty();
        }
        float[][] inputs = new float[samples.size()][];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = samples.get(i).input();
        }
        double[][] sum = null;
        for (ModelLease lease : leases.values()) {
            float[][] p = lease.predict(inputs);
            if (sum == null) {
                sum = new double[p.length][p[0].length];
            }
            for (int i = 0; i < p.length; i++) {
                for (int c = 0; c < p[i].length; c++) {
                    sum[i][c] += p[i][c];
                }
            }
        }
        float[][] out = new float[sum.length][];
        int n = leases.size();
        for (int i = 0; i < sum.length; i++) {
            out[i] = new float[sum[i].length];
            for (int c = 0; c < sum[i].length; c++) {
                out[i][c] = (float) Math.log(Math.max(MIN_PROBABILITY, sum[i][c] / n));
            }
        }
        return Optional.of(out);
    }

    private void refreshIfDue() {
        long now = System.nanoTime();
        boolean missing = leases.size() < slots.size();
        if (!missing && now - refreshedAt < refresh.toNanos()) {
            return;
        }
        boolean changed = false;
        for (Map.Entry<String, ModelSlot> e : slots.entrySet()) {
            ModelLease held = leases.get(e.getKey());
            long served = e.getValue().currentVersion();
            if (served < 0 || (held != null && held.version() == served)) {
                continue;
            }
            // A peer seen for the first time is taken at once; a newer version only after the refresh period.
            if (held != null && now - refreshedAt < refresh.toNanos()) {
                continue;
            }
            ModelLease next = e.getValue().lease();
            if (held != null) {
                held.close();
            }
            leases.put(e.getKey(), next);
            changed = true;
        }
        if (changed) {
            refreshedAt = now;
            peersInUse = leases.size();
            log.info("Codistilling from peer versions {}", versions());
        }
    }

    /** The peer versions in use, by model. */
    public Map<String, Long> versions() {
        Map<String, Long> out = new LinkedHashMap<>();
        leases.forEach((model, lease) -> out.put(model, lease.version()));
        return out;
    }

    /** Every topic the peer subscription has been assigned: the checkpoint manifest and control topics. */
    public Set<String> assignedTopics() {
        return subscription.assignedTopics();
    }

    @Override
    public void close() {
        subscription.close();
        leases.values().forEach(ModelLease::close);
        leases.clear();
        slots.values().forEach(ModelSlot::clear);
        blobs.close();
    }
}
