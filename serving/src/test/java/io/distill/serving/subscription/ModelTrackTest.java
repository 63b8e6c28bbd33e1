package io.distill.serving.subscription;

import ai.djl.Device;
import io.distill.schema.CheckpointManifest;
import io.distill.schema.LabelSpace;
import io.distill.serving.model.CheckpointLoader;
import io.distill.serving.model.CoreNetworkRestorer;
import io.distill.serving.model.ModelSlot;
import io.distill.serving.model.RefusalReason;
import io.distill.serving.model.ServingContract;
import io.distill.serving.policy.ControlRecords;
import io.distill.serving.testing.InMemoryCheckpoints;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelTrackTest {

    private final InMemoryCheckpoints store = new InMemoryCheckpoints();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ModelSlot slot = new ModelSlot("student");
    private final ModelTrack track = new ModelTrack("student", new CheckpointLoader(
            ServingContract.parse("fashion-mnist:1", List.of(), "784"), store, new CoreNetworkRestorer(Device.cpu())),
            slot, new SubscriptionMetrics(registry));
    private final List<String> events = new ArrayList<>();

    ModelTrackTest() {
        track.addListener(new CheckpointListener() {
            @Override
            public void onLoaded(CheckpointManifest manifest, long previousVersion, Duration loadTime) {
                events.add("loaded " + manifest.getVersion() + " after " + previousVersion);
            }

            @Override
            public void onRefused(String model, long version, RefusalReason reason, String message) {
                events.add("refused " + version + " " + reason);
            }
        });
    }

    @AfterEach
    void close() {
        slot.clear();
    }

    private void publish(long version) {
        track.onManifest(version, store.publish("student", version), System.currentTimeMillis());
    }

    private double gauge() {
        return registry.get("distill_serving_model_version").tag("model", "student").gauge().value();
    }

    @Test
    void followsTheLatestVersion() {
        assertFalse(track.reconcile(), "nothing to load yet");
        assertEquals(-1, gauge());
        publish(1);
        publish(2);
        assertTrue(track.reconcile());
        assertEquals(2, slot.currentVersion(), "straight to the newest, not through v1");
        assertEquals(2, gauge());
        assertFalse(track.reconcile(), "already serving the selected version");
        assertEquals(List.of("loaded 2 after -1"), events);
    }

    @Test
    void aCorruptVersionIsRefusedOnceAndTheOldOneKeepsServing() {
        publish(1);
        track.reconcile();
        publish(2);
        store.flipByte(2, 100);
        assertFalse(track.reconcile());
        assertEquals(1, slot.currentVersion());
        assertEquals(Set.of(2L), track.refusedVersions());
        assertFalse(track.reconcile());
        assertEquals(List.of("loaded 1 after -1", "refused 2 CHUNK_MISMATCH"), events, "a final refusal is not retried");
        assertEquals(1.0, registry.get("distill_serving_checkpoints_refused_total").tag("reason", "CHUNK_MISMATCH")
                .counter().count());
        publish(3);
        assertTrue(track.reconcile());
        assertEquals(3, slot.currentVersion());
    }

    @Test
    void aWrongLabelSpaceIsRefused() {
        publish(1);
        track.reconcile();
        LabelSpace other = LabelSpace.newBuilder(InMemoryCheckpoints.fashionLabels()).setVersion(2).build();
        track.onManifest(2, store.publish("student", 2, other), System.currentTimeMillis());
        assertFalse(track.reconcile());
        assertEquals(1, slot.currentVersion());
        assertEquals("refused 2 LABEL_SPACE_MISMATCH", events.get(events.size() - 1));
    }

    @Test
    void pinDenyAndRollback() {
        publish(1);
        publish(2);
        publish(3);
        track.reconcile();
        assertEquals(3, slot.currentVersion());

        track.onControl(ControlRecords.pin("student", 1, track.policy(), "ops", "test"));
        assertTrue(track.reconcile());
        assertEquals(1, slot.currentVersion());

        track.onControl(ControlRecords.unpin("student", track.policy(), "ops", "test"));
        track.onControl(ControlRecords.deny("student", 3, track.policy(), "ops", "test"));
        assertTrue(track.reconcile());
        assertEquals(2, slot.currentVersion(), "latest with v3 deny-listed");

        track.onControl(ControlRecords.unpin("student", ControlRecords.unpinPolicy(), "ops", "clear"));
        track.reconcile();
        assertEquals(3, slot.currentVersion());
        track.onControl(ControlRecords.rollback("student", 3, track.availableVersions(), track.policy(), "ops", "bad"));
        assertTrue(track.reconcile());
        assertEquals(2, slot.currentVersion(), "rollback pins the previous version");

        publish(4);
        assertFalse(track.reconcile(), "a pin holds even when newer versions arrive");
        assertEquals(2, slot.currentVersion());
    }

    @Test
    void aRetiredVersionIsNoLongerSelected() {
        publish(1);
        publish(2);
        track.onManifest(2, null, 0);
        assertTrue(track.reconcile());
        assertEquals(1, slot.currentVersion());
    }
}
