package io.distill.serving.policy;

import io.distill.schema.CheckpointControl;
import io.distill.schema.ControlMode;

import java.util.Collection;
import java.util.Collections;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

/**
 * The fleet's rule for choosing which checkpoint version of a model to serve, read from a {@link CheckpointControl}
 * record: the newest version ({@code LATEST}), exactly one version ({@code PINNED}) or the newest version not above a
 * ceiling ({@code CEILING}). Deny-listed versions are never selected, whatever the mode.
 */
public record VersionPolicy(ControlMode mode, Long version, Set<Long> denied) {

    public VersionPolicy {
        Objects.requireNonNull(mode, "mode");
        if (mode != ControlMode.LATEST && version == null) {
            throw new IllegalArgumentException(mode + " needs a version");
        }
        denied = Collections.unmodifiableSet(new TreeSet<>(denied));
    }

    /** The policy of a model without a control record: serve the newest version. */
    public static VersionPolicy latest() {
        return new VersionPolicy(ControlMode.LATEST, null, Set.of());
    }

    public static VersionPolicy pinned(long version, Collection<Long> denied) {
        return new VersionPolicy(ControlMode.PINNED, version, new TreeSet<>(denied));
    }

    public static VersionPolicy ceiling(long version, Collection<Long> denied) {
        return new VersionPolicy(ControlMode.CEILING, version, new TreeSet<>(denied));
    }

    public static VersionPolicy from(CheckpointControl control) {
        if (control == null) {
            return latest();
        }
        Long v = control.getMode() == ControlMode.LATEST ? null : control.getVersion();
        if (control.getMode() != ControlMode.LATEST && v == null) {
            // A pin or ceiling without a version cannot select anything safely; treat it as LATEST with the deny-list.
            return new VersionPolicy(ControlMode.LATEST, null, new TreeSet<>(control.getDenied()));
        }
        return new VersionPolicy(control.getMode(), v, new TreeSet<>(control.getDenied()));
    }

    public boolean allows(long candidate) {
        if (denied.contains(candidate)) {
            return false;
        }
        return switch (mode) {
            case LATEST -> true;
            case PINNED -> candidate == version;
            case CEILING -> candidate <= version;
        };
    }

    /**
     * The version to serve among {@code available}, skipping {@code excluded} (versions this server refused), or
     * empty when none qualifies (the server then keeps what it serves).
     */
    public OptionalLong select(NavigableSet<Long> available, Set<Long> excluded) {
        for (Long candidate : available.descendingSet()) {
            if (allows(candidate) && !excluded.contains(candidate)) {
                return OptionalLong.of(candidate);
            }
        }
        return OptionalLong.empty();
    }

    @Override
    public String toString() {
        String base = switch (mode) {
            case LATEST -> "latest";
            case PINNED -> "pinned " + version;
            case CEILING -> "ceiling " + version;
        };
        return denied.isEmpty() ? base : base + " denied " + denied;
    }
}
