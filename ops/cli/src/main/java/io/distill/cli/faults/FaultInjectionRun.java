package io.distill.cli.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distill.cli.load.RequestReplayer;
import io.distill.core.dataset.FashionMnist;
import io.distill.core.topics.TopicCatalogue;
import io.distill.core.topics.Topics;
import io.distill.schema.CheckpointManifest;
import io.distill.teacher.cli.TeacherConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.IsolationLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One fault-injection run on the real stack: the pipeline as separate processes ({@link LocalPipeline}), a
 * Fashion-MNIST replay with late labels, and a seeded {@link FaultSchedule} of SIGKILLs of teacher-service, topology
 * and trainer plus one SIGKILL-and-restart of the broker. Each killed role is started again at once with the same
 * configuration. Afterwards the run drains, counts the output topics with {@code read_uncommitted} and
 * {@code read_committed} (the difference are records of aborted transactions), and checks the topics with
 * {@link PipelineVerifier}.
 */
public final class FaultInjectionRun {

    private static final Logger log = LoggerFactory.getLogger(FaultInjectionRun.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final List<String> KILLED_ROLES = List.of(LocalPipeline.TEACHER, LocalPipeline.TOPOLOGY, LocalPipeline.TRAINER);

    /**
     * @param seed             seed of the fault schedule and restart delays
     * @param killsPerRole     SIGKILLs of each of teacher-service, topology and trainer
     * @param requests         requests to replay at least; the load goes on until the last fault was dealt
     * @param rate             requests per second
     * @param workDir          stack data, configuration and logs of the run
     * @param teachersDir      where the tiny teacher lives
     * @param drainTimeout     how long to wait, after the load, for every request to be decided
     * @param gracefulBrokerRestart stop the broker cleanly (SIGTERM, controlled shutdown) instead of killing it with
     *                              SIGKILL for its one restart
     * @param brokerDowntime        how long the broker stays down before it is started again; zero for 1-3 s
     * @param kafkaFeatures         feature levels the broker's storage is formatted with; empty for the defaults
     */
    public record Settings(long seed, int killsPerRole, long requests, double rate, Path workDir, Path teachersDir,
                           Duration drainTimeout, boolean gracefulBrokerRestart, Duration brokerDowntime,
                           Map<String, Integer> kafkaFeatures) {
        public Settings {
            kafkaFeatures = Map.copyOf(kafkaFeatures);
        }

        public Settings(long seed, int killsPerRole, long requests, double rate, Path workDir, Path teachersDir,
                        Duration drainTimeout) {
            this(seed, killsPerRole, requests, rate, workDir, teachersDir, drainTimeout, false, Duration.ZERO,
                    Map.of());
        }
    }

    /** The figures of a run. */
    public record Result(long seed, Map<String, Integer> kills, Map<String, Integer> killsInOpenTransaction,
                         int brokerRestarts, Map<String, Integer> unplannedExits, int staticMembers, int groupMembers,
                         long requestsSent, long uncommittedRecords, long committedRecords, long checkpointsPublished,
                         Map<String, Long> dispositions, VerificationReport verification, Duration elapsed) {

        public long abortedRecords() {
            return uncommittedRecords - committedRecords;
        }

        public int totalKillsInOpenTransaction() {
            return killsInOpenTransaction.values().stream().mapToInt(Integer::intValue).sum();
        }

        /** The figures as {@code name: value} lines. */
        public void print(PrintStream out) {
            out.println("seed: " + seed);
            kills.forEach((role, n) -> out.println("kills " + role + ": " + n));
            killsInOpenTransaction.forEach((role, n) -> out.println("kills inside open transactions " + role + ": " + n));
            out.println("kills inside open transactions: " + totalKillsInOpenTransaction());
            out.println("broker restarts: " + brokerRestarts);
            out.println("unplanned exits: " + unplannedExits.values().stream().mapToInt(Integer::intValue).sum());
            out.println("static group members: " + staticMembers + "/" + groupMembers);
            out.println("requests sent: " + requestsSent);
            out.println("records read_uncommitted: " + uncommittedRecords);
            out.println("records read_committed: " + committedRecords);
            out.println("aborted records seen: " + abortedRecords());
            out.println("requests checked: " + verification.requestsChecked());
            out.println("soft labels checked: " + verification.softLabelsChecked());
            out.println("dispositions checked: " + verification.dispositionsChecked());
            dispositions.forEach((key, n) -> out.println("disposition " + key + ": " + n));
            out.println("lineage ranges checked: " + verification.lineageRangesChecked());
            out.println("checkpoints published: " + checkpointsPublished);
            out.println("checkpoints verified: " + verification.checkpointsVerified());
            out.println("duplicates: " + verification.duplicates());
            out.println("missing: " + verification.missing());
            out.println("problems: " + verification.problemCount());
            out.printf(Locale.ROOT, "run time s: %.1f%n", elapsed.toMillis() / 1000.0);
            verification.problems().forEach(p -> out.println("  problem: " + p));
        }
    }

    private final Settings settings;
    private final PrintStream out;
    private final Random random;
    private final java.util.concurrent.ExecutorService restarts = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "role-restart");
        t.setDaemon(true);
        return t;
    });

    public FaultInjectionRun(Settings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
        this.random = new Random(settings.seed() ^ 0x5DEECE66DL);
    }

    public Result run() throws Exception {
        long t0 = System.nanoTime();
        Duration load = Duration.ofMillis((long) (settings.requests() / settings.rate() * 1000));
        FaultSchedule schedule = FaultSchedule.draw(settings.seed(), KILLED_ROLES, settings.killsPerRole(), load,
                List.of(LocalPipeline.TEACHER, LocalPipeline.TRAINER));
        out.printf(Locale.ROOT, "Fault injection, seed %d (replay with --seed %d): %d kills of each of %s and one broker"
                + " restart over %d requests at %.0f/s%n", settings.seed(), settings.seed(), settings.killsPerRole(),
                KILLED_ROLES, settings.requests(), settings.rate());
        long publishEvery = Math.max(200, settings.requests() / 8);
        if (!settings.kafkaFeatures().isEmpty()) {
            out.println("Broker storage formatted with features " + settings.kafkaFeatures());
        }
        try (LocalPipeline pipeline = LocalPipeline.start(new LocalPipeline.Settings(settings.workDir(),
                settings.teachersDir(), 3, publishEvery, true, true, List.of(), settings.kafkaFeatures()))) {
            Topics topics = pipeline.topics();
            TopicCatalogue catalogue = topics.catalogue();
            int[] membership = staticMembership(pipeline, catalogue);
            out.printf(Locale.ROOT, "Pipeline ready; %d of %d group members are static; broker transaction.version %d%n",
                    membership[0], membership[1], transactionVersion(pipeline));
            Map<String, List<String>> outputs = Map.of(
                    LocalPipeline.TEACHER, List.of(catalogue.softLabels()),
                    LocalPipeline.TOPOLOGY, List.of(catalogue.examples(), catalogue.holdout(),
                            EvidenceReader.changelog(LocalPipeline.TOPOLOGY_APPLICATION_ID, "decided-requests"),
                            EvidenceReader.changelog(LocalPipeline.TOPOLOGY_APPLICATION_ID, "dispositions")),
                    LocalPipeline.TRAINER, List.of(catalogue.checkpointBlobs(), catalogue.checkpoints()));
            Map<String, Integer> inOpen = new LinkedHashMap<>();
            KILLED_ROLES.forEach(r -> inOpen.put(r, 0));
            int brokerRestarts = 0;
            long sent;
            try (Admin admin = pipeline.stack().adminClient();
                 RequestReplayer replayer = new RequestReplayer(pipeline.clientProperties(), topics.requests(), topics.groundTruth())) {
                OpenTransactionProbe probe = new OpenTransactionProbe(admin);
                FashionMnist.Split train = FashionMnist.train();
                // The load runs until every fault has been dealt and at least the nominal count was sent: on a slow
                // machine restarts take longer than planned, and a kill after the load ends would hit an idle role.
                CompletableFuture<RequestReplayer.Stats> replay = CompletableFuture.supplyAsync(() -> replayer.replay(train,
                        new RequestReplayer.Settings("faults" + settings.seed(), FashionMnist.LABEL_SPACE_ID,
                                "distill-faults", settings.rate(), Long.MAX_VALUE, 0.05, Duration.ofSeconds(2))));
                long loadStart = System.nanoTime();
                for (FaultSchedule.Fault fault : schedule.faults()) {
                    while (System.nanoTime() - loadStart < fault.at().toNanos()) {
                        restartExited(pipeline);
                        LocalPipeline.sleep(100);
                    }
                    if (fault.kind() == FaultSchedule.Kind.BROKER_RESTART) {
                        restartBroker(pipeline);
                        brokerRestarts++;
                    } else if (kill(pipeline.role(fault.role()), probe, outputs.get(fault.role()), fault.targeted())) {
                        inOpen.merge(fault.role(), 1, Integer::sum);
                    }
                }
                while (replayer.requestsSent() < settings.requests() && !replay.isDone()) {
                    restartExited(pipeline);
                    LocalPipeline.sleep(100);
                }
                replayer.stop();
                replay.get(2, TimeUnit.MINUTES);
                sent = replayer.requestsSent();
            }
            restarts.shutdown();
            restarts.awaitTermination(2, TimeUnit.MINUTES);
            out.printf(Locale.ROOT, "Load done (%d requests sent); draining ...%n", sent);
            drain(pipeline, sent);
            pipeline.stopRoles();

            TopicScan scan = new TopicScan(pipeline.clientProperties());
            long uncommitted = 0;
            long committed = 0;
            for (String topic : List.of(catalogue.softLabels(), catalogue.examples(), catalogue.holdout(),
                    catalogue.checkpoints(), catalogue.checkpointBlobs())) {
                long u = scan.count(topic, IsolationLevel.READ_UNCOMMITTED);
                long c = scan.count(topic, IsolationLevel.READ_COMMITTED);
                out.printf(Locale.ROOT, "  %-32s read_uncommitted %8d  read_committed %8d%n", topic, u, c);
                uncommitted += u;
                committed += c;
            }
            PipelineEvidence evidence = new EvidenceReader(scan, topics, LocalPipeline.TOPOLOGY_APPLICATION_ID)
                    .read(Set.of(TinyTeacher.ID));
            VerificationReport report;
            try (PublishedCheckpointCheck check = new PublishedCheckpointCheck(catalogue.checkpointBlobs(),
                    pipeline.clientProperties(), catalogue.blobConsumerOverrides())) {
                report = new PipelineVerifier(check).verify(evidence);
            }
            keepBrokerLog(pipeline);
            if (!report.ok()) {
                keepBrokerData(pipeline);
            }
            Map<String, Integer> kills = new LinkedHashMap<>();
            Map<String, Integer> exits = new LinkedHashMap<>();
            for (String role : KILLED_ROLES) {
                kills.put(role, pipeline.role(role).kills());
                exits.put(role, pipeline.role(role).unplannedExits());
            }
            return new Result(settings.seed(), kills, inOpen, brokerRestarts, exits, membership[0], membership[1], sent,
                    uncommitted, committed, evidence.manifests().size(), evidence.dispositionCounts(), report,
                    Duration.ofNanos(System.nanoTime() - t0));
        }
    }

    /**
     * Kills the role once it is ready (after its previous restart); returns whether the kill left a transaction with
     * records open. The role is started again in the background after a short random delay, so that the restarts
     * of different roles overlap as they would in a real outage.
     */
    private boolean kill(PipelineRole role, OpenTransactionProbe probe, List<String> outputs, boolean targeted) {
        long readyBy = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while ((role.isDown() || !LocalPipeline.isReady(role)) && System.nanoTime() < readyBy) {
            LocalPipeline.sleep(200);
        }
        if (targeted) {
            // The trainer holds a transaction only while it publishes, teacher-service only between sending a
            // batch's outputs and committing them: wait for one, briefly.
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (probe.uncommittedRecords(outputs) <= 0 && System.nanoTime() < until) {
                LocalPipeline.sleep(10);
            }
        }
        long pid = role.pid();
        role.kill();
        long open = probe.uncommittedRecords(outputs);
        out.printf(Locale.ROOT, "  kill -9 %s (pid %d)%s: %s%n", role.name(), pid, targeted ? " (waited for an open transaction)" : "",
                open > 0 ? open + " records of an open transaction left behind" : open == 0 ? "no open transaction" : "broker did not answer");
        long delay = 500 + random.nextInt(1500);
        restarts.execute(() -> {
            LocalPipeline.sleep(delay);
            role.start();
        });
        return open > 0;
    }

    private void restartBroker(LocalPipeline pipeline) {
        long pid = pipeline.stack().kafka().pid().orElse(-1);
        long t = System.nanoTime();
        if (settings.gracefulBrokerRestart()) {
            pipeline.stack().kafka().stop();
        } else {
            pipeline.stack().kafka().kill();
        }
        int pause = 1000 + random.nextInt(2000); // drawn in every case, so the seeded schedule stays the same
        LocalPipeline.sleep(settings.brokerDowntime().isZero() ? pause : settings.brokerDowntime().toMillis());
        pipeline.stack().kafka().start();
        out.printf(Locale.ROOT, "  %s broker (pid %d) and restart: back after %.1f s%n",
                settings.gracefulBrokerRestart() ? "stop" : "kill -9", pid, (System.nanoTime() - t) / 1e9);
    }

    private void restartExited(LocalPipeline pipeline) {
        for (PipelineRole role : pipeline.roles().values()) {
            if (role.restartIfExited()) {
                out.printf(Locale.ROOT, "  %s exited on its own; restarted. Last lines of %s:%n%s%n", role.name(),
                        role.logFile(), role.logTail(15));
            }
        }
    }

    /**
     * Waits until the topology has decided every request sent, then for one more published checkpoint, so the
     * lineage reaches past the last fault.
     */
    private void drain(LocalPipeline pipeline, long sent) {
        long deadline = System.nanoTime() + settings.drainTimeout().toNanos();
        PipelineRole topology = pipeline.role(LocalPipeline.TOPOLOGY);
        while (System.nanoTime() < deadline) {
            restartExited(pipeline);
            long[] counts = dispositions(topology);
            if (counts[0] >= sent && counts[1] >= counts[0]) {
                break;
            }
            LocalPipeline.sleep(1000);
        }
        long version = newestVersion(pipeline);
        PipelineRole trainer = pipeline.role(LocalPipeline.TRAINER);
        while (System.nanoTime() < deadline && newestVersion(pipeline) <= version
                && !(gauge(trainer, "distill_trainer_consumer_lag") == 0
                        && gauge(trainer, "distill_trainer_unpublished_offsets") == 0)) {
            restartExited(pipeline);
            LocalPipeline.sleep(1000);
        }
        long[] counts = dispositions(topology);
        out.printf(Locale.ROOT, "Drained: %d received, %d decided by the topology; newest checkpoint v%d%n", counts[0],
                counts[1], newestVersion(pipeline));
    }

    /**
     * A gauge of a role's {@code /metrics} (the first series of that name), or -1 when it does not answer. The trainer's
     * consumer lag and {@code distill_trainer_unpublished_offsets} both 0 means that every example has been trained on
     * and is covered by a published version: no further version is coming.
     */
    private static long gauge(PipelineRole role, String name) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + role.metricsPort() + "/metrics"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return -1;
            }
            return r.body().lines().filter(l -> l.startsWith(name + "{"))
                    .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                    .findFirst().orElse(-1);
        } catch (IOException | RuntimeException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** {received, decided} from the topology's /dispositions; {-1, -1} when it does not answer. */
    private static long[] dispositions(PipelineRole topology) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + topology.metricsPort() + "/dispositions"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return new long[] {-1, -1};
            }
            JsonNode json = JSON.readTree(r.body());
            return new long[] {json.path("received").asLong(-1), json.path("decided").asLong(-1)};
        } catch (IOException e) {
            return new long[] {-1, -1};
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new long[] {-1, -1};
        }
    }

    private static long newestVersion(LocalPipeline pipeline) {
        long[] newest = {0};
        new TopicScan(pipeline.clientProperties()).scan(pipeline.topics().checkpoints().name(), IsolationLevel.READ_COMMITTED,
                r -> {
                    if (r.value() != null) {
                        CheckpointManifest m = pipeline.topics().checkpoints().valueDeserializer().deserialize(r.topic(), r.value());
                        newest[0] = Math.max(newest[0], m.getVersion());
                    }
                });
        return newest[0];
    }

    /** Copies the broker's log next to the roles' logs ({@code logs/broker.log}); the stack's directory goes at the end. */
    private void keepBrokerLog(LocalPipeline pipeline) {
        Path log = pipeline.stack().kafka().logFile();
        try {
            if (Files.isRegularFile(log)) {
                Files.createDirectories(settings.workDir().resolve("logs"));
                Files.copy(log, settings.workDir().resolve("logs").resolve("broker.log"),
                        StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            out.println("Could not keep the broker log: " + e);
        }
    }

    /**
     * Copies the broker's log directory of a failed run into the run directory ({@code broker-data/}), so the
     * topics, {@code __consumer_offsets} and {@code __transaction_state} can be read afterwards with
     * {@code kafka-dump-log}; the stack's own directory is deleted when the run ends.
     */
    private void keepBrokerData(LocalPipeline pipeline) {
        Path target = settings.workDir().resolve("broker-data");
        try {
            LocalPipeline.deleteRecursively(target);
            Path source = pipeline.stack().kafka().dataDir();
            try (var files = Files.walk(source)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Path to = target.resolve(source.relativize(f).toString());
                    if (Files.isDirectory(f)) {
                        Files.createDirectories(to);
                    } else if (!f.getFileName().toString().endsWith(".lock")) {
                        Files.copy(f, to);
                    }
                }
            }
            out.println("Broker data of the failed run kept in " + target);
        } catch (IOException | RuntimeException e) {
            out.println("Could not keep the broker data of the failed run: " + e);
        }
    }

    /** The broker's finalized {@code transaction.version} (0 when the feature is not finalized). */
    private static int transactionVersion(LocalPipeline pipeline) throws Exception {
        try (Admin admin = pipeline.stack().adminClient()) {
            var level = admin.describeFeatures().featureMetadata().get(30, TimeUnit.SECONDS)
                    .finalizedFeatures().get("transaction.version");
            return level == null ? 0 : level.maxVersionLevel();
        }
    }

    /**
     * {static members, members} of the teacher's group and the topology's, once both groups have members (a role is
     * ready before its group has formed).
     */
    private static int[] staticMembership(LocalPipeline pipeline, TopicCatalogue catalogue) throws Exception {
        List<String> groups = List.of(TeacherConfig.groupId(catalogue, TinyTeacher.ID), LocalPipeline.TOPOLOGY_APPLICATION_ID);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        try (Admin admin = pipeline.stack().adminClient()) {
            while (true) {
                int members = 0;
                int stable = 0;
                boolean formed = true;
                try {
                    Map<String, ConsumerGroupDescription> described =
                            admin.describeConsumerGroups(groups).all().get(30, TimeUnit.SECONDS);
                    for (ConsumerGroupDescription d : described.values()) {
                        formed &= !d.members().isEmpty();
                        for (MemberDescription m : d.members()) {
                            members++;
                            if (m.groupInstanceId().isPresent()) {
                                stable++;
                            }
                        }
                    }
                } catch (java.util.concurrent.ExecutionException e) {
                    if (!(e.getCause() instanceof org.apache.kafka.common.errors.GroupIdNotFoundException)) {
                        throw e;
                    }
                    formed = false;
                }
                if (formed || System.nanoTime() > deadline) {
                    return new int[] {stable, members};
                }
                LocalPipeline.sleep(500);
            }
        }
    }
}
