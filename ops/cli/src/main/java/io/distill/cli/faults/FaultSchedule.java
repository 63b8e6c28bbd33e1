package io.distill.cli.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * When to kill which role and when to restart the broker, drawn from a seed so that a run can be replayed: each
 * role's kills fall at uniformly random points of the middle 80 % of the load, the broker restart at a random point
 * of its middle fifth. A run prints its seed; {@code --seed} replays the same schedule (the pipeline's own timing
 * still varies, so the points inside the roles' work that a kill hits do too).
 */
public record FaultSchedule(long seed, List<Fault> faults) {

    /** What a fault does. */
    public enum Kind { KILL, BROKER_RESTART }

    /**
     * One fault.
     *
     * @param at       offset from the start of the load
     * @param kind     kill a role, or restart the broker
     * @param role     the role to kill; null for the broker
     * @param targeted for a kill: wait (briefly) until the role has a transaction open before killing it
     */
    public record Fault(Duration at, Kind kind, String role, boolean targeted) {
    }

    /**
     * @param roles           roles to kill
     * @param killsPerRole    kills of each role
     * @param load            how long the load runs
     * @param targetedRoles   roles whose every other kill waits for an open transaction (those that hold one only
     *                        briefly, such as the trainer while it publishes)
     */
    public static FaultSchedule draw(long seed, List<String> roles, int killsPerRole, Duration load,
                                     List<String> targetedRoles) {
        Random random = new Random(seed);
        List<Fault> faults = new ArrayList<>();
        long span = load.toMillis();
        for (String role : roles) {
            for (int i = 0; i < killsPerRole; i++) {
                long at = (long) (span * (0.1 + 0.8 * random.nextDouble()));
                boolean targeted = targetedRoles.contains(role) && i % 2 == 0;
                faults.add(new Fault(Duration.ofMillis(at), Kind.KILL, role, targeted));
            }
        }
        long brokerAt = (long) (span * (0.4 + 0.2 * random.nextDouble()));
        faults.add(new Fault(Duration.ofMillis(brokerAt), Kind.BROKER_RESTART, null, false));
        faults.sort(Comparator.comparing(Fault::at));
        return new FaultSchedule(seed, List.copyOf(faults));
    }

    public long kills(String role) {
        return faults.stream().filter(f -> f.kind() == Kind.KILL && role.equals(f.role())).count();
    }
}
