package io.distill.trainer.publish;

import io.distill.schema.CheckpointControl;
import io.distill.schema.ControlMode;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.NavigableSet;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RetentionPolicyTest {

    private static NavigableSet<Long> versions(long... v) {
        TreeSet<Long> s = new TreeSet<>();
        for (long x : v) {
            s.add(x);
        }
        return s;
    }

    private static CheckpointControl control(ControlMode mode, Long version, List<Long> denied) {
        return CheckpointControl.newBuilder().setModelName("m").setMode(mode).setVersion(version).setDenied(denied)
                .setActor("test").setAt(Instant.now()).setReason("test").build();
    }

    @Test
    void keepsTheNewestVersions() {
        assertEquals(List.of(1L, 2L, 4L), new RetentionPolicy(2).toRetire(versions(1, 2, 4, 6, 7), null));
        assertEquals(List.of(), new RetentionPolicy(5).toRetire(versions(1, 2, 4, 6, 7), null));
        assertEquals(List.of(), new RetentionPolicy(0).toRetire(versions(1, 2, 4, 6, 7), null));
    }

    @Test
    void neverRetiresThePinnedVersionNorTheNewest() {
        assertEquals(List.of(1L, 3L, 4L),
                new RetentionPolicy(1).toRetire(versions(1, 2, 3, 4, 5), control(ControlMode.PINNED, 2L, List.of())));
        assertEquals(List.of(1L, 2L, 3L, 4L),
                new RetentionPolicy(1).toRetire(versions(1, 2, 3, 4, 5), control(ControlMode.LATEST, null, List.of())));
    }

    @Test
    void underACeilingKeepsTheNewestAllowedVersionAtOrBelowIt() {
        // Ceiling 4 with 4 denied: the fleet serves 3.
        assertEquals(List.of(1L, 2L, 4L, 5L),
                new RetentionPolicy(1).toRetire(versions(1, 2, 3, 4, 5, 6), control(ControlMode.CEILING, 4L, List.of(4L))));
    }
}
