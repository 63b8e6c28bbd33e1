package io.distill.serving.subscription;

import io.distill.schema.CheckpointControl;
import io.distill.schema.CheckpointManifest;
import io.distill.serving.model.CheckpointLoader;
import io.distill.serving.model.CheckpointRefusedException;
import io.distill.serving.model.LoadedModel;
import io.distill.serving.model.ModelSlot;
import io.distill.serving.policy.VersionPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Everything one server knows about one model: the committed manifests (by version), the fleet's policy, the
 * versions this server refused, and the {@link ModelSlot} it serves from. {@link #reconcile()} loads the version the
 * policy selects when it differs from the served one. Used from a single thread (the subscription's), read from any.
 */
public final class ModelTrack {

    private static final Logger log = LoggerFactory.getLogger(ModelTrack.class);
    private static final Duration RETRY_AFTER = Duration.ofSeconds(2);

    private final String modelName;
    private final CheckpointLoader loader;
    private final ModelSlot slot;
    private final SubscriptionMetrics metrics;
    private final List<CheckpointListener> listeners = new CopyOnWriteArrayList<>();
    private final NavigableMap<Long, CheckpointManifest> manifests = new ConcurrentSkipListMap<>();
    private final Map<Long, Long> manifestCommitMillis = new ConcurrentHashMap<>();
    private final Set<Long> refused = ConcurrentHashMap.newKeySet();
    private final Map<Long, Long> retryNotBefore = new ConcurrentHashMap<>();
    private volatile VersionPolicy policy = VersionPolicy.latest();
    private volatile CheckpointControl control;

    public ModelTrack(String modelName, CheckpointLoader loader, ModelSlot slot, SubscriptionMetrics metrics) {
        this.modelName = modelName;
        this.loader = loader;
        this.slot = slot;
        this.metrics = metrics;
        metrics.bindVersionGauge(modelName, slot);
    }

    public String modelName() {
        return modelName;
    }

    public ModelSlot slot() {
        return slot;
    }

    public void addListener(CheckpointListener listener) {
        listeners.add(listener);
    }

    /** A committed manifest record; {@code null} is a tombstone that retires the version. */
    public void onManifest(long version, CheckpointManifest manifest, long commitTimestampMillis) {
        if (manifest == null) {
            manifests.remove(version);
            manifestCommitMillis.remove(version);
            log.info("{} v{} retired", modelName, version);
        } else {
            manifests.put(version, manifest);
            manifestCommitMillis.put(version, commitTimestampMillis);
        }
    }

    /** A control record; {@code null} (tombstone) returns the model to the default policy. */
    public void onControl(CheckpointControl record) {
        VersionPolicy next = VersionPolicy.from(record);
        if (!next.equals(policy)) {
            log.info("{} policy {} -> {}{}", modelName, policy, next,
                    record == null ? "" : " (by " + record.getActor() + ": " + record.getReason() + ")");
        }
        this.control = record;
        this.policy = next;
    }

    public VersionPolicy policy() {
        return policy;
    }

    public Optional<CheckpointControl> control() {
        return Optional.ofNullable(control);
    }

    public NavigableSet<Long> availableVersions() {
        return Collections.unmodifiableNavigableSet(new TreeSet<>(manifests.keySet()));
    }

    public Optional<CheckpointManifest> manifest(long version) {
        return Optional.ofNullable(manifests.get(version));
    }

    public Set<Long> refusedVersions() {
        return Set.copyOf(refused);
    }

    /** Forgets this server's refusals so that refused versions are tried again; returns how many there were. */
    public int forgetRefusals() {
        int n = refused.size();
        refused.clear();
        retryNotBefore.clear();
        return n;
    }

    /** The version the policy selects now, skipping refused ones. */
    public OptionalLong selected() {
        return policy.select(manifests.navigableKeySet(), refused);
    }

    /**
     * Loads and swaps in the selected version if it is not the one served. A refused version is logged, counted and
     * (when the refusal is final) never tried again; the served version stays.
     *
     * @return true when a new version was swapped in
     */
    public boolean reconcile() {
        OptionalLong target = selected();
        long served = slot.currentVersion();
        if (target.isEmpty()) {
            if (served >= 0 && !policy.allows(served)) {
                log.warn("{}: policy {} allows no available version; v{} keeps serving", modelName, policy, served);
            }
            return false;
        }
        long version = target.getAsLong();
        if (version == served) {
            return false;
        }
        Long notBefore = retryNotBefore.get(version);
        if (notBefore != null && System.currentTimeMillis() < notBefore) {
            return false;
        }
        CheckpointManifest manifest = manifests.get(version);
        long started = System.nanoTime();
        LoadedModel loaded;
        try {
            loaded = loader.load(manifest);
        } catch (CheckpointRefusedException e) {
            refuse(version, e);
            return false;
        } catch (RuntimeException e) {
            refuse(version, new CheckpointRefusedException(
                    io.distill.serving.model.RefusalReason.UNREADABLE_CHECKPOINT, e.toString(), e));
            return false;
        }
        slot.swap(loaded);
        retryNotBefore.remove(version);
        Duration loadTime = Duration.ofNanos(System.nanoTime() - started);
        Long committed = manifestCommitMillis.get(version);
        metrics.loaded(modelName, loaded.precision(), loadTime,
                committed == null ? -1 : System.currentTimeMillis() - committed);
        log.info("{} now serving v{} from a {} checkpoint (was {}), loaded in {} ms", modelName, version,
                loaded.precision(), served < 0 ? "none" : "v" + served, loadTime.toMillis());
        for (CheckpointListener listener : listeners) {
            try {
                listener.onLoaded(manifest, served, loadTime);
            } catch (RuntimeException e) {
                log.warn("checkpoint listener failed on load of {} v{}", modelName, version, e);
            }
        }
        return true;
    }

    private void refuse(long version, CheckpointRefusedException e) {
        if (e.reason().isFinal()) {
            refused.add(version);
        } else {
            retryNotBefore.put(version, System.currentTimeMillis() + RETRY_AFTER.toMillis());
        }
        metrics.refused(modelName, e.reason());
        log.error("REFUSED {} v{}: {} - {}; still serving {}", modelName, version, e.reason(), e.getMessage(),
                slot.currentVersion() < 0 ? "nothing" : "v" + slot.currentVersion());
        for (CheckpointListener listener : listeners) {
            try {
                listener.onRefused(modelName, version, e.reason(), e.getMessage());
            } catch (RuntimeException ex) {
                log.warn("checkpoint listener failed on refusal of {} v{}", modelName, version, ex);
            }
        }
    }
}
