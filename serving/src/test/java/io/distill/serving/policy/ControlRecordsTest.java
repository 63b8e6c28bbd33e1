package io.distill.serving.policy;

import io.distill.schema.CheckpointControl;
import io.distill.schema.ControlMode;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ControlRecordsTest {

    @Test
    void rollbackPinsThePreviousAllowedVersionAndDeniesTheCurrent() {
        TreeSet<Long> available = new TreeSet<>(List.of(1L, 2L, 3L, 4L));
        VersionPolicy current = new VersionPolicy(ControlMode.LATEST, null, Set.of(3L));
        CheckpointControl rollback = ControlRecords.rollback("m", 4, available, current, "ops", "bad quality");
        assertEquals(ControlMode.PINNED, rollback.getMode());
        assertEquals(2L, rollback.getVersion(), "v3 is denied, so the rollback goes to v2");
        assertEquals(List.of(3L, 4L), rollback.getDenied());
        assertEquals(OptionalLong.of(2), VersionPolicy.from(rollback).select(available, Set.of()));
    }

    @Test
    void rollbackWithoutOlderVersionFails() {
        TreeSet<Long> available = new TreeSet<>(List.of(1L));
        assertThrows(IllegalStateException.class,
                () -> ControlRecords.rollback("m", 1, available, VersionPolicy.latest(), "ops", "x"));
    }

    @Test
    void unpinKeepsTheDenyList() {
        VersionPolicy pinned = VersionPolicy.pinned(2, List.of(4L));
        CheckpointControl unpin = ControlRecords.unpin("m", pinned, "ops", "done");
        assertEquals(ControlMode.LATEST, unpin.getMode());
        assertNull(unpin.getVersion());
        assertEquals(List.of(4L), unpin.getDenied());
    }

    @Test
    void denyAddsToTheDenyListAndKeepsTheMode() {
        CheckpointControl deny = ControlRecords.deny("m", 7, VersionPolicy.ceiling(9, List.of(1L)), "ops", "x");
        assertEquals(ControlMode.CEILING, deny.getMode());
        assertEquals(9L, deny.getVersion());
        assertEquals(List.of(1L, 7L), deny.getDenied());
    }
}
