package io.distill.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distill.cli.load.RequestReplayer;
import io.distill.cli.process.MetricsScrape;
import io.distill.cli.process.RoleProcess;
import io.distill.cli.stack.StackCommand;
import io.distill.core.config.DistillConfig;
import io.distill.core.dataset.FashionMnist;
import io.distill.core.registry.HttpRegistryClient;
import io.distill.core.topics.TopicCatalogue;
import io.distill.core.topics.Topics;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.FreePorts;
import io.distill.stack.StackOptions;
import io.distill.teacher.cli.TeacherTrainCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * {@code distill demo}: the whole system on one machine. Starts a real Kafka broker and schema registry, trains (or
 * reuses) a convolutional teacher, runs teacher-service, topology, trainer and two student servers as separate
 * processes, replays Fashion-MNIST as requests with late ground truth for a fraction, shows live progress, and ends
 * with a summary table and a learning curve measured on the published checkpoints as a student server serves them.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the whole system on the embedded stack with Fashion-MNIST and report what the student learnt.",
                "Writes learning-curve.png and learning-curve.csv into <work-dir>/demo/."})
public final class DemoCommand implements Callable<Integer> {

    private static final String MODEL = "fashion-student";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--quick", description = "Finish in under 5 minutes: a quicker teacher, fewer requests, a shorter bound.")
    boolean quick;

    @Option(names = "--work-dir", defaultValue = ".distill", description = "Where teachers and demo output live (default ${DEFAULT-VALUE}).")
    Path workDir;

    @Option(names = "--requests", description = "Requests to replay (default 60000, quick 15000).")
    Long requests;

    @Option(names = "--rate", description = "Requests per second (default 300, quick 250).")
    Double rate;

    @Option(names = "--label-fraction", defaultValue = "0.05", description = "Share of requests with late ground truth (default ${DEFAULT-VALUE}).")
    double labelFraction;

    @Option(names = "--student", defaultValue = "mlp:256", description = "Student architecture (default ${DEFAULT-VALUE}).")
    String student;

    @Option(names = "--max-minutes", description = "Upper bound of the run after the teacher is ready (default 30, quick 3.5).")
    Double maxMinutes;

    @Option(names = "--eval-images", description = "Test images per evaluated checkpoint (default 10000, quick 2000).")
    Integer evalImages;

    @Override
    public Integer call() throws Exception {
        long requestCount = requests != null ? requests : quick ? 15_000 : 60_000;
        double requestRate = rate != null ? rate : quick ? 250 : 300;
        Duration bound = Duration.ofMillis((long) ((maxMinutes != null ? maxMinutes : quick ? 3.5 : 30) * 60_000));
        int evalLimit = evalImages != null ? evalImages : quick ? 2_000 : 10_000;
        Path demoDir = workDir.resolve("demo").toAbsolutePath();
        Files.createDirectories(demoDir);

        DatasetCheck.ensure();
        FashionMnist.Split train = FashionMnist.train();
        FashionMnist.Split test = FashionMnist.test();

        String teacherId = quick ? "cnn-quick" : "cnn-a";
        double teacherAccuracy = ensureTeacher(teacherId);

        System.out.println("Starting Kafka and the schema registry ...");
        StackOptions stackOptions = StackOptions.builder()
                .workDir(demoDir.resolve("stack"))
                .deleteWorkDirOnClose(true)
                .build();
        List<RoleProcess> roles = new ArrayList<>();
        try (EmbeddedStack stack = EmbeddedStack.start(stackOptions)) {
            DistillConfig connection = StackCommand.connection(stack, TopicCatalogue.DEFAULT_PREFIX, 3);
            StackCommand.prepare(stack, connection);
            Path properties = demoDir.resolve("stack.properties");
            Files.write(properties, List.of(
                    "kafka.bootstrap.servers=" + stack.bootstrapServers(),
                    "registry.url=" + stack.registryUrl(),
                    "topics.prefix=" + TopicCatalogue.DEFAULT_PREFIX,
                    "topics.partitions=3"));
            System.out.printf(Locale.ROOT, "Stack ready in %.1f s: kafka %s, registry %s%n",
                    stack.startupTime().toMillis() / 1000.0, stack.bootstrapServers(), stack.registryUrl());

            Ports ports = new Ports(FreePorts.pick(), FreePorts.pick(), FreePorts.pick(), FreePorts.pick(),
                    FreePorts.pick());
            Path logs = demoDir.resolve("logs");
            String config = properties.toString();
            roles.add(RoleProcess.start("teacher-service", "768m", logs, Map.of(), List.of(), List.of(
                    "teacher", "serve", "--config", config, "--teacher", teacherId, "--work-dir", workDir.toAbsolutePath().toString(),
                    "--metrics-port", Integer.toString(ports.teacher()))));
            roles.add(RoleProcess.start("topology", "512m", logs, Map.of(), List.of(), List.of(
                    "topology", "--config", config, "--teachers", teacherId, "--ensemble-timeout-ms", "60000",
                    "--set", "kafka.commit.interval.ms=1000", "--set", "state.dir=" + demoDir.resolve("stack").resolve("topology-state"),
                    "--metrics-port", Integer.toString(ports.topology()))));
            long publishEvery = Math.max(2_000, requestCount / 6);
            roles.add(RoleProcess.start("trainer", "1g", logs, Map.of(), List.of(), List.of(
                    "trainer", "--config", config, "--model", MODEL, "--architecture", student,
                    "--temperature", "4", "--alpha", "0.9", "--threads", "1",
                    "--publish-every", Long.toString(publishEvery), "--first-version-after", Long.toString(publishEvery),
                    "--publish-interval-ms", "10000",
                    "--gate-min-holdout", Long.toString(Math.min(2_000, requestCount / 20)),
                    "--metrics-port", Integer.toString(ports.trainer()))));
            for (int i = 0; i < 2; i++) {
                roles.add(RoleProcess.start("student-server-" + (char) ('a' + i), "512m", logs, Map.of(), List.of(), List.of(
                        "serve", "--config", config, "--model", MODEL, "--instance-id", "server-" + (char) ('a' + i),
                        "--http-port", Integer.toString(i == 0 ? ports.serverA() : ports.serverB()))));
            }
            System.out.println("Roles started as processes; logs in " + logs);

            DemoRun run = new DemoRun(roles, ports, test, evalLimit, bound);
            Topics topics = TopicCatalogue.fromConfig(connection)
                    .topics(new HttpRegistryClient(connection.registryClientConfig()), true);
            try (RequestReplayer replayer = new RequestReplayer(connection.kafkaProperties(), topics.requests(), topics.groundTruth())) {
                CompletableFuture<RequestReplayer.Stats> replay = CompletableFuture.supplyAsync(() -> replayer.replay(train,
                        new RequestReplayer.Settings("demo" + Long.toString(System.currentTimeMillis(), 36),
                                FashionMnist.LABEL_SPACE_ID, "distill-demo", requestRate, requestCount, labelFraction,
                                Duration.ofSeconds(2))));
                System.out.printf(Locale.ROOT, "Replaying %,d Fashion-MNIST requests at %.0f/s, %.0f%% with late ground truth%n",
                        requestCount, requestRate, 100 * labelFraction);
                run.monitor(replayer, replay);
                replayer.stop();
            }
            for (int i = roles.size() - 1; i >= 0; i--) {
                roles.get(i).stop(Duration.ofSeconds(20));
            }
            return run.report(demoDir, teacherId, teacherAccuracy, student);
        } finally {
            roles.forEach(RoleProcess::close);
        }
    }

    private double ensureTeacher(String teacherId) throws IOException {
        Path descriptor = workDir.resolve("teachers").resolve(teacherId).resolve("teacher.json");
        if (!Files.isRegularFile(descriptor)) {
            List<String> args = new ArrayList<>(List.of("--id", teacherId, "--work-dir", workDir.toString()));
            if (quick) {
                System.out.println("Training a QUICK teacher (one epoch; the full demo trains a stronger one for 8 epochs) ...");
                args.addAll(List.of("--epochs", "1",
                        "--arch-params", "{\"channels\":[8,16],\"dense\":64,\"dropout\":0.0}"));
            } else {
                System.out.println("Training the convolutional teacher (8 epochs; reused on later runs) ...");
                args.addAll(List.of("--epochs", "8", "--arch-params", "{\"channels\":[16,32],\"dense\":128,\"dropout\":0.25}"));
            }
            int exit = new CommandLine(new TeacherTrainCommand()).execute(args.toArray(String[]::new));
            if (exit != 0 || !Files.isRegularFile(descriptor)) {
                throw new IllegalStateException("teacher training failed (exit " + exit + ")");
            }
        } else {
            System.out.println("Reusing teacher " + teacherId + " from " + descriptor.getParent());
        }
        JsonNode json = JSON.readTree(descriptor.toFile());
        return json.path("testAccuracy").asDouble(Double.NaN);
    }

    record Ports(int teacher, int topology, int trainer, int serverA, int serverB) {
    }

    /** The live part of a demo: progress lines, learning-curve points, and the final report. */
    static final class DemoRun {
        private final List<RoleProcess> roles;
        private final Ports ports;
        private final FashionMnist.Split test;
        private final int evalLimit;
        private final Duration bound;
        private final StudentServerProbe serverA;
        private final StudentServerProbe serverB;
        private final List<LearningCurveChart.Point> curve = new ArrayList<>();
        private final Instant started = Instant.now();
        private long evaluatedVersion = -1;
        private double lastAgreement = Double.NaN;
        private long lastExamples;
        private long lastSamples;
        private long lastSoftLabels;
        private long lastRequests;
        private long lastDispositions;
        private long previousSamples = -1;
        private long lastPublished;

        DemoRun(List<RoleProcess> roles, Ports ports, FashionMnist.Split test, int evalLimit, Duration bound) {
            this.roles = roles;
            this.ports = ports;
            this.test = test;
            this.evalLimit = evalLimit;
            this.bound = bound;
            this.serverA = new StudentServerProbe("http://127.0.0.1:" + ports.serverA(), MODEL);
            this.serverB = new StudentServerProbe("http://127.0.0.1:" + ports.serverB(), MODEL);
        }

        void monitor(RequestReplayer replayer, CompletableFuture<RequestReplayer.Stats> replay) throws Exception {
            Instant deadline = started.plus(bound);
            Instant drainedAt = null;
            boolean announced = false;
            while (Instant.now().isBefore(deadline)) {
                Thread.sleep(3_000);
                for (RoleProcess role : roles) {
                    if (!role.isAlive()) {
                        throw new IllegalStateException(role.name() + " exited (" + role.exitValue() + "); last lines of "
                                + role.logFile() + ":\n" + role.logTail(30));
                    }
                }
                scrape();
                lastRequests = replayer.requestsSent();
                StudentServerProbe.ServedVersion a = serverA.served();
                StudentServerProbe.ServedVersion b = serverB.served();
                // A measurement that straddles a swap is discarded and taken again on the version now served.
                for (int attempt = 0; attempt < 3 && a.version() > evaluatedVersion; attempt++) {
                    Optional<StudentServerProbe.Evaluation> e = serverA.evaluate(test, evalLimit, a.samplesSeen());
                    if (e.isPresent() && e.get().version() == a.version()) {
                        evaluatedVersion = e.get().version();
                        curve.add(new LearningCurveChart.Point(e.get().samplesSeen(), e.get().accuracy(), e.get().version()));
                    } else {
                        a = serverA.served();
                    }
                }
                System.out.printf(Locale.ROOT,
                        "[%4ds] requests %,7d | soft labels %,7d | examples %,7d | trained %,8d | hold-out agreement %s | published v%d | serving v%s / v%s | test acc %s%n",
                        Duration.between(started, Instant.now()).toSeconds(), lastRequests, lastSoftLabels,
                        lastExamples, lastSamples, Double.isNaN(lastAgreement) ? "  -  " : String.format(Locale.ROOT, "%.3f", lastAgreement),
                        lastPublished, a.version() < 0 ? "-" : Long.toString(a.version()), b.version() < 0 ? "-" : Long.toString(b.version()),
                        curve.isEmpty() ? "-" : String.format(Locale.ROOT, "%.3f", curve.get(curve.size() - 1).accuracy()));
                if (!replay.isDone()) {
                    continue;
                }
                if (!announced) {
                    announced = true;
                    System.out.println("All requests sent; waiting until every request has a disposition, the trainer has consumed"
                            + " every example and the servers serve the last published version ...");
                }
                // The trainer's lag gauge is sampled on polls that return records; an unchanged sample count says more.
                boolean trainerIdle = lastSamples == previousSamples;
                previousSamples = lastSamples;
                boolean drained = lastDispositions >= lastRequests && trainerIdle && lastPublished > 0
                        && a.version() == lastPublished && b.version() == lastPublished && evaluatedVersion == lastPublished;
                if (!drained) {
                    drainedAt = null;
                } else if (drainedAt == null) {
                    drainedAt = Instant.now();
                } else if (Duration.between(drainedAt, Instant.now()).toSeconds() >= 12) {
                    // Nothing moved for a publish interval: the trainer's last candidate was published or refused.
                    return;
                }
            }
            System.out.println("Time bound of " + bound.toSeconds() + " s reached.");
        }

        private void scrape() {
            lastSoftLabels = (long) sum(ports.teacher(), "distill_teacher_requests_total", Map.of("outcome", "labelled"));
            lastExamples = (long) sum(ports.topology(), "distill_topology_examples_total", Map.of());
            lastSamples = (long) sum(ports.trainer(), "distill_trainer_samples_total", Map.of());
            lastDispositions = (long) sum(ports.topology(), "distill_topology_dispositions_total", Map.of());
            lastPublished = (long) sum(ports.trainer(), "distill_trainer_published_version", Map.of());
            double agreement = sum(ports.trainer(), "distill_trainer_holdout_agreement", Map.of());
            if (agreement > 0) {
                lastAgreement = agreement;
            }
        }

        private static double sum(int port, String metric, Map<String, String> labels) {
            try {
                OptionalDouble v = MetricsScrape.fetch("http://127.0.0.1:" + port + "/metrics").sum(metric, labels);
                return v.orElse(0);
            } catch (IOException e) {
                return 0;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 0;
            }
        }

        int report(Path demoDir, String teacherId, double teacherAccuracy, String student) throws IOException {
            Path png = demoDir.resolve("learning-curve.png");
            Path csv = demoDir.resolve("learning-curve.csv");
            List<LearningCurveChart.Series> series = List.of(new LearningCurveChart.Series("student " + student, curve));
            List<LearningCurveChart.Reference> refs = List.of(new LearningCurveChart.Reference("teacher " + teacherId, teacherAccuracy));
            LearningCurveChart.writePng(png, "Distill demo: student test accuracy of published checkpoints",
                    String.format(Locale.ROOT, "test accuracy (%,d Fashion-MNIST test images)", evalLimit), series, refs);
            LearningCurveChart.writeCsv(csv, series, refs);

            System.out.println();
            System.out.println("Summary");
            System.out.println("+-------------------------------------+----------------------+");
            row("teacher (" + teacherId + ") test accuracy", pct(teacherAccuracy));
            row("requests replayed", String.format(Locale.ROOT, "%,d", lastRequests));
            row("soft labels (teacher)", String.format(Locale.ROOT, "%,d", lastSoftLabels));
            row("training examples (topology)", String.format(Locale.ROOT, "%,d", lastExamples));
            row("samples trained", String.format(Locale.ROOT, "%,d", lastSamples));
            row("checkpoints evaluated", Integer.toString(curve.size()));
            if (!curve.isEmpty()) {
                LearningCurveChart.Point last = curve.get(curve.size() - 1);
                row("last served version", "v" + last.version());
                row("student test accuracy (v" + last.version() + ")", pct(last.accuracy()));
                row("share of teacher accuracy", pct(last.accuracy() / teacherAccuracy));
            }
            row("run time", Duration.between(started, Instant.now()).toSeconds() + " s");
            System.out.println("+-------------------------------------+----------------------+");
            System.out.println("Learning curve: " + png + " (data: " + csv + ")");
            if (curve.isEmpty()) {
                System.out.println("No checkpoint was published and served within the time bound; see the logs in "
                        + demoDir.resolve("logs"));
                return 1;
            }
            return 0;
        }

        private static void row(String name, String value) {
            System.out.printf(Locale.ROOT, "| %-35s | %20s |%n", name, value);
        }

        private static String pct(double v) {
            return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f %%", 100 * v);
        }
    }
}
