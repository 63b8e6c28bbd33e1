package io.distill.cli.quality;

import io.distill.cli.load.RequestReplayer;
import io.distill.cli.process.MetricsScrape;
import io.distill.cli.process.RoleProcess;
import io.distill.cli.stack.StackCommand;
import io.distill.core.config.DistillConfig;
import io.distill.core.dataset.FashionMnist;
import io.distill.core.registry.HttpRegistryClient;
import io.distill.core.registry.RegistryClient;
import io.distill.core.topics.TopicCatalogue;
import io.distill.core.topics.Topics;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.FreePorts;
import io.distill.stack.StackOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The distillation quality experiment through the real pipeline. One embedded stack; one teacher-service process per
 * teacher labelling every request once; one topology process per pipeline (its teachers, its ground-truth topic, its
 * own examples and hold-out topics); one trainer process per student row. Fashion-MNIST's training images are replayed
 * as requests (several passes under new request ids), a fixed share of the images with ground truth; when every
 * request has a disposition and every trainer has consumed its examples and had its last candidate gated, the
 * published checkpoints of each row are fetched, verified and loaded through the serving library and scored on the
 * test images, which nothing in the pipeline ever saw.
 */
public final class QualityExperiment {

    private static final Logger log = LoggerFactory.getLogger(QualityExperiment.class);
    private static final int PARTITIONS = 3;
    private static final Duration PUBLISH_INTERVAL = Duration.ofSeconds(10);

    /** What to run. */
    public record Settings(Path workDir, List<StudentRow> rows, String student, int trainImages, int passes,
                           double labelFraction, Duration labelDelay, double requestRate, double temperature,
                           double holdoutFraction, int replayCapacity, double replayRatio, double learningRate,
                           int testImages, int curvePoints, Duration bound, List<String> extraTrainerSettings) {
        public long requests() {
            return (long) trainImages * passes;
        }
    }

    /** A row's outcome: its published lineage scored on the test set. */
    public record RowResult(StudentRow row, List<CheckpointEvaluator.VersionScore> curve, long samplesTrained,
                            long examples) {
        public CheckpointEvaluator.VersionScore last() {
            return curve.isEmpty() ? null : curve.get(curve.size() - 1);
        }

        public double accuracy() {
            return curve.isEmpty() ? Double.NaN : last().accuracy();
        }
    }

    /** Everything the table needs. */
    public record Result(List<TeacherScore> teachers, List<RowResult> rows, ModelThroughput.Comparison throughput,
                         long requests, long labels, Duration pipelineTime, Duration totalTime, boolean drained) {
        public RowResult row(String name) {
            return rows.stream().filter(r -> r.row().name().equals(name)).findFirst().orElse(null);
        }
    }

    /** A teacher's accuracy on the same test images, its size and parameters. */
    public record TeacherScore(String id, double accuracy, long parameters, long checkpointBytes) {
    }

    private final Settings settings;
    private final Path runDir;
    private final String prefix;

    /**
     * @param runDir      where logs, properties and (for {@link #run()}) the stack's data go
     * @param topicPrefix prefix of every topic of the run (the stack may be shared with other users)
     */
    public QualityExperiment(Settings settings, Path runDir, String topicPrefix) {
        this.settings = settings;
        this.runDir = runDir.toAbsolutePath();
        this.prefix = topicPrefix;
    }

    /** Runs the experiment on a stack of its own, started for the run and removed afterwards. */
    public Result run() throws Exception {
        StackOptions stackOptions = StackOptions.builder().workDir(runDir.resolve("stack")).deleteWorkDirOnClose(true).build();
        try (EmbeddedStack stack = EmbeddedStack.start(stackOptions)) {
            return run(stack);
        }
    }

    /** Runs the experiment on a running stack. */
    public Result run(EmbeddedStack stack) throws Exception {
        Instant started = Instant.now();
        Files.createDirectories(runDir);
        // a fresh run: no topology state and no role logs of an earlier one
        for (String old : List.of("state-p1", "state-p2", "state-p3", "logs")) {
            deleteTree(runDir.resolve(old));
        }
        FashionMnist.Split train = limit(FashionMnist.train(), settings.trainImages());
        FashionMnist.Split test = FashionMnist.test();
        Set<StudentRow.Pipeline> pipelines = new LinkedHashSet<>();
        Set<String> teacherIds = new LinkedHashSet<>();
        for (StudentRow row : settings.rows()) {
            pipelines.add(row.pipeline());
            teacherIds.addAll(row.pipeline().teachers());
        }
        for (String id : teacherIds) {
            Path descriptor = settings.workDir().resolve("teachers").resolve(id).resolve("teacher.json");
            if (!Files.isRegularFile(descriptor)) {
                throw new IllegalArgumentException("teacher " + id + " is not saved under " + descriptor.getParent()
                        + "; train it with: distill teacher train --id " + id);
            }
        }

        List<RoleProcess> roles = new ArrayList<>();
        Map<StudentRow, Integer> trainerPorts = new LinkedHashMap<>();
        Map<StudentRow.Pipeline, Integer> topologyPorts = new LinkedHashMap<>();
        Map<String, Integer> teacherPorts = new LinkedHashMap<>();
        List<RowResult> rowResults = new ArrayList<>();
        RequestReplayer.Stats stats;
        Instant pipelineStart;
        Duration pipelineTime;
        boolean drained;
        {
            DistillConfig base = StackCommand.connection(stack, prefix, PARTITIONS);
            StackCommand.prepare(stack, base);
            Map<StudentRow.Pipeline, Path> pipelineProperties = new LinkedHashMap<>();
            for (StudentRow.Pipeline p : pipelines) {
                Map<String, String> topicNames = pipelineTopics(p);
                StackCommand.prepare(stack, withOverrides(base, topicNames));
                Path file = runDir.resolve(p.id() + ".properties");
                List<String> lines = new ArrayList<>(List.of(
                        "kafka.bootstrap.servers=" + stack.bootstrapServers(),
                        "registry.url=" + stack.registryUrl(),
                        "topics.prefix=" + prefix,
                        "topics.partitions=" + PARTITIONS));
                topicNames.forEach((k, v) -> lines.add(k + "=" + v));
                Files.write(file, lines);
                pipelineProperties.put(p, file);
            }
            Path baseProperties = runDir.resolve("stack.properties");
            Files.write(baseProperties, List.of(
                    "kafka.bootstrap.servers=" + stack.bootstrapServers(),
                    "registry.url=" + stack.registryUrl(),
                    "topics.prefix=" + prefix,
                    "topics.partitions=" + PARTITIONS));
            Path logs = runDir.resolve("logs");
            String workDir = settings.workDir().toAbsolutePath().toString();
            try {
                for (String teacher : teacherIds) {
                    int port = FreePorts.pick();
                    teacherPorts.put(teacher, port);
                    roles.add(RoleProcess.start("teacher-" + teacher, "768m", logs, Map.of(), List.of(), List.of(
                            "teacher", "serve", "--config", baseProperties.toString(), "--teacher", teacher,
                            "--work-dir", workDir, "--metrics-port", Integer.toString(port))));
                }
                for (StudentRow.Pipeline p : pipelines) {
                    int port = FreePorts.pick();
                    topologyPorts.put(p, port);
                    roles.add(RoleProcess.start("topology-" + p.id(), "512m", logs, Map.of(), List.of(), List.of(
                            "topology", "--config", pipelineProperties.get(p).toString(),
                            "--application-id", prefix.replace('.', '-') + "quality-" + p.id(),
                            "--teachers", String.join(",", p.teachers()), "--ensemble-timeout-ms", "1800000",
                            "--holdout-fraction", Double.toString(settings.holdoutFraction()),
                            "--set", "kafka.commit.interval.ms=1000",
                            "--set", "state.dir=" + runDir.resolve("state-" + p.id()),
                            "--metrics-port", Integer.toString(port))));
                }
                long publishEvery = Math.max(2_000, settings.requests() / Math.max(2, settings.curvePoints()));
                long minHoldout = Math.max(50, Math.min(2_000,
                        (long) (settings.trainImages() * settings.holdoutFraction() * 0.8)));
                for (StudentRow row : settings.rows()) {
                    int port = FreePorts.pick();
                    trainerPorts.put(row, port);
                    List<String> args = new ArrayList<>(List.of(
                            "trainer", "--config", pipelineProperties.get(row.pipeline()).toString(),
                            "--model", row.model(), "--architecture", settings.student(),
                            "--temperature", Double.toString(row.temperatureOr(settings.temperature())),
                            "--alpha", Double.toString(row.alpha()), "--threads", "1",
                            "--teacher-targets", row.hardLabelsOnly() ? "ignore" : "use",
                            "--lr", Double.toString(settings.learningRate()),
                            "--replay-capacity", Integer.toString(settings.replayCapacity()),
                            "--replay-ratio", Double.toString(settings.replayRatio()),
                            "--publish-every", Long.toString(publishEvery),
                            "--first-version-after", Long.toString(publishEvery),
                            "--publish-interval-ms", Long.toString(PUBLISH_INTERVAL.toMillis()),
                            "--gate-min-holdout", Long.toString(minHoldout),
                            // every version stays, so the whole lineage can be scored for the learning curve
                            "--retain-versions", "0",
                            "--metrics-port", Integer.toString(port)));
                    for (String extra : settings.extraTrainerSettings()) {
                        args.add("--set");
                        args.add(extra);
                    }
                    // the row's own settings come last, so they win over the experiment's
                    row.trainerSettings().forEach((key, value) -> {
                        args.add("--set");
                        args.add(key + "=" + value);
                    });
                    roles.add(RoleProcess.start("trainer-" + row.name(), "1g", logs, Map.of(), List.of(), args));
                }
                log.info("quality experiment: {} role processes, logs in {}", roles.size(), logs);

                DistillConfig connection = base;
                Topics baseTopics = TopicCatalogue.fromConfig(connection)
                        .topics(new HttpRegistryClient(connection.registryClientConfig()), true);
                List<RequestReplayer.LabelStream> extra = new ArrayList<>();
                if (pipelines.stream().anyMatch(StudentRow.Pipeline::allLabels)) {
                    RegistryClient registry = new HttpRegistryClient(connection.registryClientConfig());
                    Topics allLabelTopics = TopicCatalogue.fromConfig(withOverrides(base, Map.of("topics.name.ground-truth",
                            allLabelsTopic()))).topics(registry, true);
                    extra.add(new RequestReplayer.LabelStream(allLabelTopics.groundTruth(), 1.0));
                }
                pipelineStart = Instant.now();
                try (RequestReplayer replayer = new RequestReplayer(connection.kafkaProperties(), baseTopics.requests(),
                        baseTopics.groundTruth(), extra)) {
                    RequestReplayer.Settings replay = new RequestReplayer.Settings(
                            "q" + Long.toString(System.currentTimeMillis(), 36), FashionMnist.LABEL_SPACE_ID,
                            "distill-quality", settings.requestRate(), settings.requests(), settings.labelFraction(),
                            settings.labelDelay(), RequestReplayer.LabelSelection.BY_ITEM);
                    CompletableFuture<RequestReplayer.Stats> sending = CompletableFuture.supplyAsync(() -> replayer.replay(train, replay));
                    Monitor monitor = new Monitor(roles, teacherPorts, topologyPorts, trainerPorts);
                    drained = monitor.await(replayer, sending, started.plus(settings.bound()));
                    replayer.stop();
                    stats = sending.isDone() ? sending.join() : new RequestReplayer.Stats(replayer.requestsSent(),
                            replayer.labelsSent(), Duration.between(pipelineStart, Instant.now()));
                    pipelineTime = Duration.between(pipelineStart, Instant.now());
                    for (StudentRow row : settings.rows()) {
                        rowResults.add(new RowResult(row, List.of(), monitor.samples(row), monitor.examples(row.pipeline())));
                    }
                }
            } finally {
                for (int i = roles.size() - 1; i >= 0; i--) {
                    roles.get(i).stop(Duration.ofSeconds(20));
                }
                roles.forEach(RoleProcess::close);
            }

            System.out.println("Scoring the published checkpoints on " + Math.min(settings.testImages(), test.size())
                    + " test images through the serving library ...");
            Topics topics = TopicCatalogue.fromConfig(base).topics(new HttpRegistryClient(base.registryClientConfig()), true);
            List<RowResult> scored = new ArrayList<>();
            try (CheckpointEvaluator evaluator = new CheckpointEvaluator(topics, base.kafkaProperties())) {
                for (RowResult r : rowResults) {
                    List<CheckpointEvaluator.VersionScore> curve = evaluator.scoreLineage(r.row().model(), test,
                            settings.testImages(), settings.curvePoints());
                    scored.add(new RowResult(r.row(), curve, r.samplesTrained(), r.examples()));
                    System.out.printf(Locale.ROOT, "  %-22s %2d versions scored, last v%s: %.2f %%%n", r.row().name(),
                            curve.size(), curve.isEmpty() ? "-" : Long.toString(curve.get(curve.size() - 1).version()),
                            curve.isEmpty() ? Double.NaN : 100 * curve.get(curve.size() - 1).accuracy());
                }
                System.out.println("Scoring the teachers and measuring inference throughput (teacher vs student, same run) ...");
                List<TeacherScore> teacherScores = new ArrayList<>();
                ModelThroughput.Comparison throughput = null;
                try (ModelThroughput bench = new ModelThroughput(settings.workDir(), test, settings.testImages())) {
                    for (String id : teacherIds) {
                        teacherScores.add(bench.scoreTeacher(id));
                    }
                    if (teacherIds.size() > 1) {
                        teacherScores.add(bench.scoreEnsemble(List.copyOf(teacherIds)));
                    }
                    RowResult reference = scored.stream().filter(r -> r.row().alpha() > 0 && !r.curve().isEmpty())
                            .findFirst().orElse(scored.stream().filter(r -> !r.curve().isEmpty()).findFirst().orElse(null));
                    if (reference != null) {
                        List<io.distill.schema.CheckpointManifest> manifests = evaluator.manifests(reference.row().model());
                        throughput = bench.compare(teacherIds.iterator().next(), evaluator, manifests.get(manifests.size() - 1));
                    }
                }
                return new Result(teacherScores, scored, throughput, stats.requests(), stats.labels(), pipelineTime,
                        Duration.between(started, Instant.now()), drained);
            }
        }
    }

    /** Topic names of a pipeline: its own examples and hold-out, and the all-labels ground truth where it sees them. */
    Map<String, String> pipelineTopics(StudentRow.Pipeline p) {
        Map<String, String> names = new LinkedHashMap<>();
        names.put("topics.name.examples", prefix + "quality-" + p.id() + ".examples");
        names.put("topics.name.holdout", prefix + "quality-" + p.id() + ".holdout");
        if (p.allLabels()) {
            names.put("topics.name.ground-truth", allLabelsTopic());
        }
        return names;
    }

    String allLabelsTopic() {
        return prefix + "ground-truth-all";
    }

    private static DistillConfig withOverrides(DistillConfig base, Map<String, String> overrides) {
        Map<String, String> all = new LinkedHashMap<>(base.asMap());
        all.putAll(overrides);
        return DistillConfig.builder().overrides(all).build();
    }

    private static FashionMnist.Split limit(FashionMnist.Split split, int n) {
        if (n >= split.size()) {
            return split;
        }
        return new FashionMnist.Split(split.name(), java.util.Arrays.copyOf(split.images(), n),
                java.util.Arrays.copyOf(split.labels(), n));
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Follows the roles through their metrics until the pipeline has drained, printing a progress line. */
    static final class Monitor {
        private final List<RoleProcess> roles;
        private final Map<String, Integer> teacherPorts;
        private final Map<StudentRow.Pipeline, Integer> topologyPorts;
        private final Map<StudentRow, Integer> trainerPorts;
        private final Map<StudentRow, Long> samples = new LinkedHashMap<>();
        private final Map<StudentRow, Long> published = new LinkedHashMap<>();
        private final Map<StudentRow.Pipeline, Long> dispositions = new LinkedHashMap<>();
        private final Map<StudentRow.Pipeline, Long> examples = new LinkedHashMap<>();
        private final Instant started = Instant.now();

        Monitor(List<RoleProcess> roles, Map<String, Integer> teacherPorts, Map<StudentRow.Pipeline, Integer> topologyPorts,
                Map<StudentRow, Integer> trainerPorts) {
            this.roles = roles;
            this.teacherPorts = teacherPorts;
            this.topologyPorts = topologyPorts;
            this.trainerPorts = trainerPorts;
        }

        long samples(StudentRow row) {
            return samples.getOrDefault(row, 0L);
        }

        long examples(StudentRow.Pipeline p) {
            return examples.getOrDefault(p, 0L);
        }

        /** True when drained; false when the deadline came first. */
        boolean await(RequestReplayer replayer, CompletableFuture<RequestReplayer.Stats> sending, Instant deadline)
                throws InterruptedException {
            Instant quietSince = null;
            Map<StudentRow, Long> previousSamples = new LinkedHashMap<>();
            Map<StudentRow, Long> previousPublished = new LinkedHashMap<>();
            int tick = 0;
            while (Instant.now().isBefore(deadline)) {
                Thread.sleep(3_000);
                for (RoleProcess role : roles) {
                    if (!role.isAlive()) {
                        throw new IllegalStateException(role.name() + " exited (" + role.exitValue() + "); last lines of "
                                + role.logFile() + ":\n" + role.logTail(30));
                    }
                }
                long labelled = 0;
                for (int port : teacherPorts.values()) {
                    labelled += (long) sum(port, "distill_teacher_requests_total", Map.of("outcome", "labelled"));
                }
                topologyPorts.forEach((p, port) -> {
                    dispositions.put(p, (long) sum(port, "distill_topology_dispositions_total", Map.of()));
                    examples.put(p, (long) sum(port, "distill_topology_examples_total", Map.of()));
                });
                trainerPorts.forEach((row, port) -> {
                    samples.put(row, (long) sum(port, "distill_trainer_samples_total", Map.of()));
                    published.put(row, (long) sum(port, "distill_trainer_published_version", Map.of()));
                });
                long sent = replayer.requestsSent();
                if (tick++ % 5 == 0) {
                    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "[%4ds] requests %,d | soft labels %,d | dispositions",
                            Duration.between(started, Instant.now()).toSeconds(), sent, labelled));
                    dispositions.forEach((p, n) -> line.append(String.format(Locale.ROOT, " %s %,d", p.id(), n)));
                    line.append(" | trained");
                    samples.forEach((row, n) -> line.append(String.format(Locale.ROOT, " %s %,d (v%d)", row.name(), n,
                            published.getOrDefault(row, 0L))));
                    System.out.println(line);
                }
                if (!sending.isDone()) {
                    continue;
                }
                boolean topologiesDone = dispositions.values().stream().allMatch(n -> n >= sent);
                boolean trainersIdle = samples.equals(previousSamples) && published.equals(previousPublished)
                        && published.values().stream().allMatch(v -> v > 0);
                previousSamples = new LinkedHashMap<>(samples);
                previousPublished = new LinkedHashMap<>(published);
                if (!(topologiesDone && trainersIdle)) {
                    quietSince = null;
                } else if (quietSince == null) {
                    quietSince = Instant.now();
                } else if (Duration.between(quietSince, Instant.now()).compareTo(PUBLISH_INTERVAL.plusSeconds(6)) >= 0) {
                    // Nothing moved for longer than a publish interval: every last candidate was published or refused.
                    return true;
                }
            }
            System.out.println("Time bound reached before the pipeline drained; scoring what was published.");
            return false;
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
    }
}
