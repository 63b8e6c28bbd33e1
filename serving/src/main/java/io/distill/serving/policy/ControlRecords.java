package io.distill.serving.policy;

import io.distill.schema.CheckpointControl;
import io.distill.schema.ControlMode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * Builds the control records operators and the live-quality monitor write: pin, unpin (back to latest, the
 * deny-list kept) and rollback (pin the newest allowed version below the current one and deny-list the current one).
 */
public final class ControlRecords {

    private ControlRecords() {
    }

    /** The default policy (latest, nothing denied), as a base for records that clear a deny-list. */
    public static VersionPolicy unpinPolicy() {
        return VersionPolicy.latest();
    }

    public static CheckpointControl pin(String model, long version, VersionPolicy current, String actor, String reason) {
        return record(model, ControlMode.PINNED, version, current.denied(), actor, reason);
    }

    public static CheckpointControl ceiling(String model, long version, VersionPolicy current, String actor,
                                            String reason) {
        return record(model, ControlMode.CEILING, version, current.denied(), actor, reason);
    }

    public static CheckpointControl unpin(String model, VersionPolicy current, String actor, String reason) {
        return record(model, ControlMode.LATEST, null, current.denied(), actor, reason);
    }

    public static CheckpointControl deny(String model, long version, VersionPolicy current, String actor,
                                         String reason) {
        TreeSet<Long> denied = new TreeSet<>(current.denied());
        denied.add(version);
        return record(model, current.mode(), current.version(), denied, actor, reason);
    }

    /**
     * Rollback of {@code bad}: pin the newest version below it that the current deny-list allows, and deny-list
     * {@code bad}.
     *
     * @throws IllegalStateException when no older version is available to roll back to
     */
    public static CheckpointControl rollback(String model, long bad, NavigableSet<Long> available,
                                             VersionPolicy current, String actor, String reason) {
        Long previous = null;
        for (Long candidate : available.headSet(bad, false).descendingSet()) {
            if (!current.denied().contains(candidate)) {
                previous = candidate;
                break;
            }
        }
        if (previous == null) {
            throw new IllegalStateException("no version of " + model + " older than " + bad + " to roll back to");
        }
        TreeSet<Long> denied = new TreeSet<>(current.denied());
        denied.add(bad);
        return record(model, ControlMode.PINNED, previous, denied, actor, reason);
    }

    private static CheckpointControl record(String model, ControlMode mode, Long version, java.util.Set<Long> denied,
                                            String actor, String reason) {
        List<Long> deniedList = new ArrayList<>(new TreeSet<>(denied));
        return CheckpointControl.newBuilder()
                .setModelName(model)
                .setMode(mode)
                .setVersion(version)
                .setDenied(deniedList)
                .setActor(actor)
                .setAt(Instant.now())
                .setReason(reason)
                .build();
    }
}
