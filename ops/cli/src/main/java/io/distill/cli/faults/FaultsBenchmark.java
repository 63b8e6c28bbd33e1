package io.distill.cli.faults;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code distill bench faults}: a fault-injection run ({@link FaultInjectionRun}) with its figures as
 * {@code name: value} lines; exits 1 when the topics show a duplicate, a gap or any other problem.
 */
@Command(name = "faults", mixinStandardHelpOptions = true,
        description = {"Kill -9 teacher-service, topology and trainer at seeded random points and restart the broker once,"
                + " then verify from the topics that nothing was lost or duplicated.",
                "Prints its figures as 'name: value' lines; see docs/RELIABILITY.md."})
public final class FaultsBenchmark implements Callable<Integer> {

    @Option(names = "--kills", defaultValue = "10", description = "SIGKILLs of each role (default ${DEFAULT-VALUE}).")
    int kills;

    @Option(names = "--seed", description = "Seed of the fault schedule (default: the current time, printed).")
    Long seed;

    @Option(names = "--requests", description = "Requests to replay (default: 1000 per kill of each role, at least 3000).")
    Long requests;

    @Option(names = "--rate", defaultValue = "40", description = "Requests per second (default ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--work-dir", defaultValue = ".distill/faults", description = "Run directory: stack data, role configuration and logs (default ${DEFAULT-VALUE}).")
    Path workDir;

    @Option(names = "--teachers-dir", defaultValue = ".distill/teachers", description = "Where the tiny teacher is trained and reused (default ${DEFAULT-VALUE}).")
    Path teachersDir;

    @Option(names = "--graceful-broker-restart", description = "Stop the broker cleanly for its restart instead of "
            + "killing it with SIGKILL.")
    boolean gracefulBrokerRestart;

    @Option(names = "--broker-downtime", defaultValue = "0", description = "Seconds the broker stays down for its "
            + "restart (default ${DEFAULT-VALUE}: 1-3 s, drawn from the seed).")
    int brokerDowntimeSeconds;

    @Option(names = "--kafka-feature", paramLabel = "NAME=LEVEL", description = "A feature level to format the "
            + "broker's storage with, e.g. transaction.version=1 (repeatable; default: the Kafka release's levels).")
    Map<String, Integer> kafkaFeatures = new LinkedHashMap<>();

    @Option(names = "--drain-timeout", defaultValue = "300", description = "Seconds to wait after the load for every request to be decided (default ${DEFAULT-VALUE}).")
    long drainSeconds;

    @Override
    public Integer call() throws Exception {
        long s = seed != null ? seed : System.currentTimeMillis();
        long n = requests != null ? requests : Math.max(3000, 1000L * kills);
        FaultInjectionRun.Result result = new FaultInjectionRun(new FaultInjectionRun.Settings(s, kills, n, rate,
                workDir.toAbsolutePath(), teachersDir.toAbsolutePath(), Duration.ofSeconds(drainSeconds),
                gracefulBrokerRestart, Duration.ofSeconds(brokerDowntimeSeconds), kafkaFeatures), System.out).run();
        result.print(System.out);
        return result.verification().ok() ? 0 : 1;
    }
}
