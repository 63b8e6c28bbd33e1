package io.distill.serving.policy;

import io.distill.schema.CheckpointControl;
import io.distill.schema.ControlMode;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.NavigableSet;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VersionPolicyTest {

    private static final NavigableSet<Long> AVAILABLE = new TreeSet<>(List.of(1L, 2L, 3L, 5L, 8L));

    @Test
    void latestSelectsTheNewestVersion() {
        assertEquals(OptionalLong.of(8), VersionPolicy.latest().select(AVAILABLE, Set.of()));
    }

    @Test
    void latestSkipsDeniedAndRefusedVersions() {
        VersionPolicy policy = new VersionPolicy(ControlMode.LATEST, null, Set.of(8L));
        assertEquals(OptionalLong.of(3), policy.select(AVAILABLE, Set.of(5L)));
    }

    @Test
    void pinnedSelectsExactlyItsVersion() {
        assertEquals(OptionalLong.of(3), VersionPolicy.pinned(3, List.of()).select(AVAILABLE, Set.of()));
        assertEquals(OptionalLong.empty(), VersionPolicy.pinned(4, List.of()).select(AVAILABLE, Set.of()),
                "a pin on a version not (yet) available selects nothing, so the current version keeps serving");
    }

    @Test
    void pinnedOnADeniedVersionSelectsNothing() {
        assertEquals(OptionalLong.empty(), VersionPolicy.pinned(3, List.of(3L)).select(AVAILABLE, Set.of()));
    }

    @Test
    void ceilingSelectsTheNewestVersionNotAboveIt() {
        assertEquals(OptionalLong.of(5), VersionPolicy.ceiling(7, List.of()).select(AVAILABLE, Set.of()));
        assertEquals(OptionalLong.of(3), VersionPolicy.ceiling(5, List.of(5L)).select(AVAILABLE, Set.of()));
        assertEquals(OptionalLong.empty(), VersionPolicy.ceiling(0, List.of()).select(AVAILABLE, Set.of()));
    }

    @Test
    void nothingAvailableSelectsNothing() {
        assertEquals(OptionalLong.empty(), VersionPolicy.latest().select(new TreeSet<>(), Set.of()));
    }

    @Test
    void readsControlRecords() {
        CheckpointControl control = CheckpointControl.newBuilder().setModelName("m").setMode(ControlMode.CEILING)
                .setVersion(5L).setDenied(List.of(3L)).setActor("ops").setAt(Instant.EPOCH).setReason("test").build();
        VersionPolicy policy = VersionPolicy.from(control);
        assertEquals(ControlMode.CEILING, policy.mode());
        assertEquals(5L, policy.version());
        assertTrue(policy.allows(5));
        assertFalse(policy.allows(3));
        assertFalse(policy.allows(6));
        assertEquals(VersionPolicy.latest(), VersionPolicy.from(null));
    }

    @Test
    void aPinWithoutVersionIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new VersionPolicy(ControlMode.PINNED, null, Set.of()));
    }
}
