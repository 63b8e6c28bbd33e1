package io.distill.trainer.publish;

import io.distill.schema.CheckpointControl;
import io.distill.schema.ControlMode;

import java.util.ArrayList;
import java.util.List;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * Which published versions to retire: all but the {@code keep} newest live ones, except the version the fleet's
 * control record holds it to (the pinned version, or under a ceiling the newest allowed version at or below it) and
 * never the newest. {@code keep == 0} keeps everything.
 */
public record RetentionPolicy(int keep) {

    public RetentionPolicy {
        if (keep < 0) {
            throw new IllegalArgumentException("versions to keep must not be negative: " + keep);
        }
    }

    /** The versions to retire among {@code live}, oldest first. */
    public List<Long> toRetire(NavigableSet<Long> live, CheckpointControl control) {
        if (keep == 0 || live.size() <= keep) {
            return List.of();
        }
        TreeSet<Long> kept = new TreeSet<>();
        for (Long v : live.descendingSet()) {
            if (kept.size() >= keep) {
                break;
            }
            kept.add(v);
        }
        kept.add(live.last());
        held(live, control).ifPresent(kept::add);
        List<Long> retire = new ArrayList<>();
        for (Long v : live) {
            if (!kept.contains(v)) {
                retire.add(v);
            }
        }
        return retire;
    }

    /** The version a control record holds the fleet to, if any. */
    static java.util.Optional<Long> held(NavigableSet<Long> live, CheckpointControl control) {
        if (control == null || control.getVersion() == null) {
            return java.util.Optional.empty();
        }
        long v = control.getVersion();
        if (control.getMode() == ControlMode.PINNED) {
            return java.util.Optional.of(v);
        }
        if (control.getMode() == ControlMode.CEILING) {
            for (Long candidate : live.headSet(v, true).descendingSet()) {
                if (!control.getDenied().contains(candidate)) {
                    return java.util.Optional.of(candidate);
                }
            }
        }
        return java.util.Optional.empty();
    }
}
