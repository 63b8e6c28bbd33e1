package io.distill.cli.deploy;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distill.cli.demo.StudentServerProbe;
import io.distill.cli.load.RequestReplayer;
import io.distill.cli.process.MetricsScrape;
import io.distill.cli.stack.StackCommand;
import io.distill.core.architecture.ArchitectureSpec;
import io.distill.core.config.DistillConfig;
import io.distill.core.dataset.FashionMnist;
import io.distill.core.metrics.ServiceEndpoint;
import io.distill.core.registry.HttpRegistryClient;
import io.distill.core.registry.RegistryClient;
import io.distill.core.topics.TopicCatalogue;
import io.distill.core.topics.Topics;
import io.distill.serving.model.ServingContract;
import io.distill.serving.quality.QualityGate;
import io.distill.serving.server.ServerSettings;
import io.distill.serving.server.StudentServer;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.junit.IntegrationTest;
import io.distill.teacher.cli.TeacherConfig;
import io.distill.teacher.model.TeacherDescriptor;
import io.distill.teacher.model.TeacherLoader;
import io.distill.teacher.model.TeacherModel;
import io.distill.teacher.service.TeacherCodecs;
import io.distill.teacher.service.TeacherMetrics;
import io.distill.teacher.service.TeacherService;
import io.distill.teacher.train.ConvTeacherTrainer;
import io.distill.teacher.train.ProgressBar;
import io.distill.teacher.train.TeacherTrainingOptions;
import io.distill.topology.RegistrySerdes;
import io.distill.topology.app.TopologyService;
import io.distill.topology.config.TopologyConfig;
import io.distill.trainer.config.TrainerSettings;
import io.distill.trainer.data.SerdeExampleDecoder;
import io.distill.trainer.service.TrainerService;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Grafana dashboard (ops/deploy/grafana/dashboards/distill.json) only charts metrics that the services really
 * expose. Every PromQL expression of the dashboard is tokenized into the metric names it reads; then teacher-service
 * (with a tiny convolutional teacher trained here on a slice of Fashion-MNIST), the topology, the trainer (a small
 * MLP that publishes early) and a student server (HTTP and Kafka inference, live agreement) run in this JVM against
 * the embedded broker and registry, real requests are replayed through them until a checkpoint is served, and the
 * union of the four live {@code /metrics} scrapes must contain every name the dashboard uses.
 */
@IntegrationTest
class DashboardMetricsTest {

    private static final Logger log = LoggerFactory.getLogger(DashboardMetricsTest.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path ROOT = Path.of(System.getProperty("distill.root", "../.."));
    private static final Path DASHBOARD = ROOT.resolve("ops/deploy/grafana/dashboards/distill.json");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** How long the pipeline may take, once started, to make every dashboard metric appear. */
    private static final Duration PIPELINE_BOUND = Duration.ofSeconds(150);

    // ------------------------------------------------------------------ PromQL tokenizer

    /** PromQL functions, aggregations, keywords and literals that are never metric names. */
    private static final Set<String> NOT_METRICS = Set.of(
            // aggregation operators
            "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk",
            "quantile", "limitk", "limit_ratio",
            // clause and binary keywords
            "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset",
            "atan2",
            // literals
            "inf", "nan");

    /** Clauses whose parenthesised argument is a list of label names. */
    private static final Set<String> LABEL_LIST_CLAUSES = Set.of("by", "without", "on", "ignoring", "group_left",
            "group_right");

    /** What one PromQL expression reads: metric names, and the label names it matches on or groups by. */
    record Tokens(Set<String> metrics, Set<String> labels) {
    }

    /** Label names Prometheus attaches to every scraped series itself (target labels), absent from a scrape. */
    private static final Set<String> TARGET_LABELS = Set.of("instance", "job");

    private static final java.util.regex.Pattern MATCHER =
            java.util.regex.Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)\\s*(=~|!~|!=|=)");

    /**
     * The metric names a PromQL expression reads: identifiers that stand as a series selector (followed by
     * {@code {}, {@code [}, or bare). Function calls (an identifier followed by {@code (}), aggregation operators,
     * keywords, label names in selectors and in {@code by}/{@code without}/{@code on}/{@code ignoring} lists, string
     * literals, numbers, durations and Grafana variables are skipped.
     */
    static Set<String> metricNames(String expr) {
        return tokens(expr).metrics();
    }

    /** The metric names (see {@link #metricNames}) and the label names of selectors and grouping clauses. */
    static Tokens tokens(String expr) {
        Set<String> names = new LinkedHashSet<>();
        Set<String> labels = new LinkedHashSet<>();
        int i = 0;
        int n = expr.length();
        while (i < n) {
            char c = expr.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                i = skipString(expr, i);
            } else if (c == '{') {
                int end = skipGroup(expr, i, '{', '}');
                java.util.regex.Matcher m = MATCHER.matcher(withoutStrings(expr.substring(i + 1, end - 1)));
                while (m.find()) {
                    labels.add(m.group(1));
                }
                i = end;
            } else if (c == '[') {
                i = skipGroup(expr, i, '[', ']');
            } else if (c == '#') {
                int eol = expr.indexOf('\n', i);
                i = eol < 0 ? n : eol + 1;
            } else if (c == '$') {
                i++;
                if (i < n && expr.charAt(i) == '{') {
                    i = skipGroup(expr, i, '{', '}');
                } else {
                    while (i < n && isIdentifierPart(expr.charAt(i))) {
                        i++;
                    }
                }
            } else if (Character.isDigit(c) || (c == '.' && i + 1 < n && Character.isDigit(expr.charAt(i + 1)))) {
                // numbers, durations (5m, 1h30m), hex and exponents
                while (i < n && (Character.isLetterOrDigit(expr.charAt(i)) || expr.charAt(i) == '.'
                        || expr.charAt(i) == '_')) {
                    i++;
                }
            } else if (isIdentifierStart(c)) {
                int start = i;
                while (i < n && isIdentifierPart(expr.charAt(i))) {
                    i++;
                }
                String word = expr.substring(start, i);
                int next = i;
                while (next < n && Character.isWhitespace(expr.charAt(next))) {
                    next++;
                }
                char following = next < n ? expr.charAt(next) : '\0';
                String lower = word.toLowerCase(Locale.ROOT);
                if (LABEL_LIST_CLAUSES.contains(lower)) {
                    if (following == '(') {
                        i = skipGroup(expr, next, '(', ')');
                        for (String label : expr.substring(next + 1, i - 1).split(",")) {
                            if (!label.isBlank()) {
                                labels.add(label.strip());
                            }
                        }
                    }
                } else if (following == '(' || NOT_METRICS.contains(lower)) {
                    // a function call or keyword
                    continue;
                } else {
                    names.add(word);
                }
            } else {
                i++;
            }
        }
        return new Tokens(names, labels);
    }

    /** The text with its string literals removed. */
    private static String withoutStrings(String s) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                i = skipString(s, i);
                out.append("\"\"");
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static boolean isIdentifierStart(char c) {
        return Character.isLetter(c) || c == '_' || c == ':';
    }

    private static boolean isIdentifierPart(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == ':';
    }

    /** Index after the string literal starting at {@code start}. */
    private static int skipString(String s, int start) {
        char quote = s.charAt(start);
        int i = start + 1;
        while (i < s.length() && s.charAt(i) != quote) {
            if (s.charAt(i) == '\\' && quote != '`') {
                i++;
            }
            i++;
        }
        return Math.min(s.length(), i + 1);
    }

    /** Index after the group that opens at {@code start}, nested groups and string literals included. */
    private static int skipGroup(String s, int start, char open, char close) {
        int depth = 0;
        int i = start;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                i = skipString(s, i);
                continue;
            }
            if (c == open) {
                depth++;
            } else if (c == close) {
                depth--;
                if (depth == 0) {
                    return i + 1;
                }
            }
            i++;
        }
        return s.length();
    }

    /** Every {@code expr} of the dashboard's panels (rows' nested panels included), by panel title. */
    static Map<String, List<String>> dashboardExpressions(JsonNode dashboard) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        Deque<JsonNode> panels = new ArrayDeque<>();
        dashboard.path("panels").forEach(panels::add);
        while (!panels.isEmpty()) {
            JsonNode panel = panels.removeFirst();
            panel.path("panels").forEach(panels::add);
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asText("");
                if (!expr.isBlank()) {
                    out.computeIfAbsent(panel.path("title").asText("(untitled)"), k -> new ArrayList<>()).add(expr);
                }
            }
        }
        return out;
    }

    /** Metric name used by the dashboard, with the panels that use it. */
    static Map<String, Set<String>> dashboardMetrics(JsonNode dashboard) {
        Map<String, Set<String>> used = new TreeMap<>();
        dashboardExpressions(dashboard).forEach((panel, exprs) -> exprs.forEach(expr -> metricNames(expr)
                .forEach(name -> used.computeIfAbsent(name, k -> new TreeSet<>()).add(panel))));
        return used;
    }

    private static JsonNode dashboard() throws IOException {
        assertTrue(Files.isRegularFile(DASHBOARD), DASHBOARD + " exists");
        return JSON.readTree(DASHBOARD.toFile());
    }

    @Test
    void tokenizerFindsSeriesAndSkipsFunctionsLabelsAndLiterals() {
        assertEquals(Set.of("distill_teacher_requests_total"),
                metricNames("sum by (outcome) (rate(distill_teacher_requests_total{outcome!=\"x{y}\"}[$__rate_interval]))"));
        assertEquals(Set.of("a_bucket"),
                metricNames("histogram_quantile(0.99, sum without (instance) (rate(a_bucket[5m])) ) > bool 0.5"));
        assertEquals(Set.of("up", "b:recorded", "c"),
                metricNames("up == 1 and on (job) group_left (le) b:recorded offset 1h30m or max(c) by (pod) * 1e3"));
        assertEquals(Set.of("x_seconds", "y"),
                metricNames("max by (quantile) (x_seconds{quantile=~\"0.5|0.99\"}) / ignoring(a, b) y[${__range}] # y2"));
        assertEquals(Set.of(), metricNames("vector(1) + time() - Inf"));
        assertEquals(new Tokens(Set.of("m"), Set.of("outcome", "a", "b", "quantile")),
                tokens("sum by (outcome) (m{a=\"x,b=y\", b!~\"z\"}) / on(quantile) m"));
    }

    @Test
    void dashboardIsProvisionableAndQueriesThePrometheusDatasource() throws IOException {
        JsonNode dashboard = dashboard();
        assertEquals("Distill", dashboard.path("title").asText());
        assertTrue(dashboard.path("schemaVersion").asInt() >= 36, "schemaVersion " + dashboard.path("schemaVersion"));
        Set<Integer> ids = new java.util.HashSet<>();
        int targets = 0;
        for (JsonNode panel : dashboard.path("panels")) {
            assertTrue(ids.add(panel.path("id").asInt(-1)), "panel ids are unique: " + panel.path("title"));
            assertTrue(panel.path("gridPos").has("w") && panel.path("gridPos").has("h"), "gridPos of " + panel.path("title"));
            if ("row".equals(panel.path("type").asText())) {
                continue;
            }
            assertEquals("prometheus", panel.path("datasource").path("uid").asText(), "datasource of " + panel.path("title"));
            assertFalse(panel.path("targets").isEmpty(), "panel " + panel.path("title") + " has queries");
            for (JsonNode target : panel.path("targets")) {
                assertEquals("prometheus", target.path("datasource").path("uid").asText(),
                        "datasource of a query of " + panel.path("title"));
                assertFalse(metricNames(target.path("expr").asText()).isEmpty(),
                        "query of " + panel.path("title") + " reads a metric: " + target.path("expr"));
                targets++;
            }
        }
        assertTrue(targets >= 20, "queries: " + targets);
        Set<String> used = dashboardMetrics(dashboard).keySet();
        for (String name : used) {
            assertTrue(name.startsWith("distill_") || name.startsWith("kafka_"),
                    "only Distill metrics and the Kafka client metrics its services bind are charted: " + name);
        }
    }

    // ------------------------------------------------------------------ the live check

    @Test
    void everyDashboardMetricIsExposedByTheRunningServices(EmbeddedStack stack, @TempDir Path work) throws Exception {
        long t0 = System.nanoTime();
        JsonNode dashboard = dashboard();
        Map<String, Set<String>> used = dashboardMetrics(dashboard);
        assertFalse(used.isEmpty(), "the dashboard uses metrics");
        log.info("dashboard metrics: {}", used.keySet());

        String prefix = EmbeddedStack.uniqueName("dash") + ".";
        String model = EmbeddedStack.uniqueName("dash-student");
        DistillConfig connection = DistillConfig.builder().overrides(Map.of(
                "kafka.bootstrap.servers", stack.bootstrapServers(),
                "registry.url", stack.registryUrl(),
                "topics.prefix", prefix,
                "topics.partitions", "2")).build();
        TopicCatalogue catalogue = StackCommand.prepare(stack, connection);

        FashionMnist.Split train = FashionMnist.load(FashionMnist.locate(), "train", 1_000);
        FashionMnist.Split test = FashionMnist.load(FashionMnist.locate(), "t10k", 200);
        Path teacherDir = tinyTeacher();

        List<AutoCloseable> running = new ArrayList<>();
        Map<String, ServiceEndpoint> endpoints = new LinkedHashMap<>();
        try {
            // closed last, after every service that uses it
            RegistryClient registry = new HttpRegistryClient(connection.registryClientConfig());
            running.add(registry);
            Topics topics = catalogue.topics(registry, true);

            // teacher-service, as `distill teacher serve` builds it
            DistillConfig teacherConfig = DistillConfig.builder().defaults(TeacherConfig.defaults())
                    .overrides(connection.asMap()).overrides(Map.of(
                            TeacherConfig.BATCH_MAX_SIZE, "32",
                            TeacherConfig.DEVICE, "cpu")).build();
            TeacherModel teacher = TeacherLoader.load(teacherDir, Device.cpu());
            running.add(teacher);
            ServiceEndpoint teacherEndpoint = ServiceEndpoint.start("teacher-service", "127.0.0.1", 0);
            running.add(teacherEndpoint);
            endpoints.put("teacher-service", teacherEndpoint);
            TeacherService teacherService = new TeacherService(
                    TeacherConfig.settings(teacherConfig, catalogue, teacher.id()), teacher,
                    TeacherCodecs.of(topics, registry), new TeacherMetrics(teacherEndpoint.registry(), teacher.id()));
            teacherEndpoint.readiness(teacherService::isReady);
            running.add(background("teacher-service", teacherService, teacherService::stop));

            // the topology, as `distill topology` starts it
            Map<String, String> topologySettings = new LinkedHashMap<>(connection.asMap());
            topologySettings.put("application.id", EmbeddedStack.uniqueName("dash-topology"));
            topologySettings.put("teachers", teacher.id());
            topologySettings.put("ensemble.timeout.ms", "2000");
            topologySettings.put("holdout.fraction", "0.2");
            topologySettings.put("metrics.host", "127.0.0.1");
            topologySettings.put("metrics.port", "0");
            topologySettings.put("state.dir", work.resolve("topology-state").toString());
            TopologyConfig topologyConfig = TopologyConfig.from(topologySettings);
            TopologyService topology = TopologyService.start(topologyConfig, RegistrySerdes.create(topologyConfig));
            running.add(topology);
            endpoints.put("topology", topology.endpoint());

            // the trainer, as `distill trainer` starts it: a small MLP that publishes early
            Map<String, String> trainerSettings = new LinkedHashMap<>(TrainerSettings.DEFAULTS);
            trainerSettings.putAll(connection.asMap());
            trainerSettings.put("trainer.model", model);
            trainerSettings.put("trainer.architecture", "mlp:32");
            trainerSettings.put("trainer.batch.size", "32");
            trainerSettings.put("trainer.linger.ms", "100");
            trainerSettings.put("trainer.lr", "0.003");
            trainerSettings.put("trainer.publish.every.samples", "200");
            trainerSettings.put("trainer.publish.interval.ms", "600000");
            trainerSettings.put("trainer.gate.min.holdout", "20");
            trainerSettings.put("trainer.gate.first.version.after.samples", "200");
            trainerSettings.put("trainer.device", "cpu");
            DistillConfig trainerConfig = DistillConfig.of(trainerSettings);
            ServiceEndpoint trainerEndpoint = ServiceEndpoint.start("student-trainer", "127.0.0.1", 0);
            running.add(trainerEndpoint);
            endpoints.put("student-trainer", trainerEndpoint);
            TrainerService trainer = new TrainerService(TrainerSettings.fromConfig(trainerConfig), topics,
                    trainerConfig.kafkaProperties(), new SerdeExampleDecoder(registry), trainerEndpoint.registry(),
                    trainerConfig.configHash(), "test");
            trainer.start();
            trainerEndpoint.readiness(trainer::isReady);
            running.add(background("student-trainer", trainer, trainer::close));

            // a student server, as `distill serve --kafka-inference --live-quality` starts it
            ServerSettings serverSettings = ServerSettings.local(model,
                            ServingContract.parse(FashionMnist.LABEL_SPACE_ID + ":" + FashionMnist.LABEL_SPACE_VERSION,
                                    new ArrayList<>(), "1,28,28"), "server-a")
                    .withKafkaInference(true)
                    .withLiveQuality(1.0, new QualityGate(0.0, 500, 200, false));
            StudentServer server = StudentServer.start(serverSettings, topics, connection.kafkaProperties());
            running.add(server);
            endpoints.put("student-server", server.endpoint());
            log.info("services started after {} s: {}", seconds(t0), endpoints.keySet());

            // One undecodable request: teacher, topology and the server's Kafka inference each dead-letter it.
            try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(stack.producerProperties(),
                    new ByteArraySerializer(), new ByteArraySerializer())) {
                raw.send(new ProducerRecord<>(topics.requests().name(), "bad".getBytes(StandardCharsets.UTF_8),
                        "not avro".getBytes(StandardCharsets.UTF_8))).get();
            }

            try (RequestReplayer replayer = new RequestReplayer(connection.kafkaProperties(), topics.requests(),
                    topics.groundTruth())) {
                CompletableFuture<RequestReplayer.Stats> replay = CompletableFuture.supplyAsync(() -> replayer.replay(
                        train, new RequestReplayer.Settings("dash", FashionMnist.LABEL_SPACE_ID, "dashboard-test", 150,
                                600, 0.2, Duration.ofSeconds(1))));
                long deadline = System.nanoTime() + PIPELINE_BOUND.toNanos();
                await("a checkpoint served", deadline, () -> server.slot().currentVersion() >= 1);
                log.info("v{} served after {} s (trainer: {} samples, published v{})", server.slot().currentVersion(),
                        seconds(t0), trainer.samplesSeen(), trainer.publishedVersion());
                StudentServerProbe probe = new StudentServerProbe(server.baseUrl(), model);
                assertTrue(probe.served().version() >= 1, "the server reports its version over HTTP");
                assertTrue(probe.evaluate(test, 100, 0).isPresent(), "HTTP predictions");
                RequestReplayer.Stats stats = replay.get();
                log.info("replayed {} requests ({} labels)", stats.requests(), stats.labels());
                assertEquals(600, stats.requests());

                // Until every charted metric shows up somewhere (live agreement needs answered requests to meet
                // their soft labels), then one final scrape of each service is what the assertion reads.
                Set<String> missing = new TreeSet<>(used.keySet());
                while (System.nanoTime() < deadline) {
                    missing.removeAll(scrapeAll(endpoints).services().keySet());
                    if (missing.isEmpty()) {
                        break;
                    }
                    Thread.sleep(1_000);
                }
                replayer.stop();
            }

            Exposed exposed = scrapeAll(endpoints);
            for (Map.Entry<String, ServiceEndpoint> e : endpoints.entrySet()) {
                assertEquals(200, get(e.getValue().baseUrl() + "/health"), e.getKey() + " /health");
            }
            Map<String, String> problems = new TreeMap<>();
            for (Map.Entry<String, Set<String>> e : used.entrySet()) {
                if (!exposed.services().containsKey(e.getKey())) {
                    problems.put(e.getKey(), "charted in " + e.getValue() + ", exposed by no service");
                }
            }
            // A label an expression matches on or groups by must be carried by a metric it reads (or be a label
            // Prometheus adds to every target), else the panel silently shows one unlabelled series.
            dashboardExpressions(dashboard).forEach((panel, exprs) -> exprs.forEach(expr -> {
                Tokens t = tokens(expr);
                for (String label : t.labels()) {
                    boolean carried = TARGET_LABELS.contains(label) || t.metrics().stream()
                            .anyMatch(m -> exposed.labels().getOrDefault(m, Set.of()).contains(label));
                    if (!carried) {
                        problems.put(panel + ": " + label, "label of no series in " + expr);
                    }
                }
            }));
            Map<String, Set<String>> charted = new TreeMap<>();
            used.keySet().forEach(name -> charted.put(name, exposed.services().getOrDefault(name, Set.of())));
            log.info("dashboard metric -> services exposing it: {}", charted);
            log.info("checked in {} s", seconds(t0));
            assertTrue(problems.isEmpty(), "dashboard queries that read nothing: " + problems);
        } finally {
            for (int i = running.size() - 1; i >= 0; i--) {
                try {
                    running.get(i).close();
                } catch (Exception e) {
                    log.warn("closing {} failed", running.get(i), e);
                }
            }
        }
    }

    /** A tiny convolutional teacher trained on a slice of Fashion-MNIST, kept under target/ for later runs. */
    private static Path tinyTeacher() throws IOException {
        Path dir = Path.of("target", "dashboard-teacher", "cnn-tiny").toAbsolutePath();
        if (!Files.isRegularFile(dir.resolve(TeacherDescriptor.FILE_NAME))) {
            ArchitectureSpec spec = ArchitectureSpec.fromJson("cnn", "{\"channels\":[4],\"dense\":16}");
            TeacherTrainingOptions options = new TeacherTrainingOptions("cnn-tiny", spec, 1, 1, 64, 0.003f, 2000, 500);
            new ConvTeacherTrainer(options, Device.cpu(), ProgressBar.silent()).trainAndSave(dir);
        }
        return dir;
    }

    /** Runs {@code loop} on its own thread; closing calls {@code stop} and waits for the thread. */
    private static AutoCloseable background(String name, Runnable loop, Runnable stop) {
        Thread thread = new Thread(loop, name);
        thread.setDaemon(true);
        thread.start();
        return () -> {
            stop.run();
            thread.join(30_000);
        };
    }

    /** Who exposes which metric, with which labels, in one round of scrapes. */
    record Exposed(Map<String, Set<String>> services, Map<String, Set<String>> labels) {
    }

    /**
     * Scrapes every service once; the raw text of each scrape is kept under target/dashboard-scrapes/ for reading
     * when the test fails.
     */
    private static Exposed scrapeAll(Map<String, ServiceEndpoint> endpoints) throws InterruptedException {
        Map<String, Set<String>> services = new TreeMap<>();
        Map<String, Set<String>> labels = new TreeMap<>();
        Path dumps = Path.of("target", "dashboard-scrapes");
        for (Map.Entry<String, ServiceEndpoint> e : endpoints.entrySet()) {
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(e.getValue().baseUrl() + "/metrics"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), e.getKey() + " /metrics");
                Files.createDirectories(dumps);
                Files.writeString(dumps.resolve(e.getKey() + ".txt"), r.body());
                for (MetricsScrape.Sample sample : MetricsScrape.parse(r.body()).samples()) {
                    services.computeIfAbsent(sample.name(), k -> new TreeSet<>()).add(e.getKey());
                    labels.computeIfAbsent(sample.name(), k -> new TreeSet<>()).addAll(sample.labels().keySet());
                }
            } catch (IOException ex) {
                log.warn("scraping {} failed: {}", e.getKey(), ex.toString());
            }
        }
        return new Exposed(services, labels);
    }

    private static int get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static void await(String what, long deadlineNanos, BooleanSupplier condition) throws InterruptedException {
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadlineNanos) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(250);
        }
    }

    private static String seconds(long since) {
        return String.format(Locale.ROOT, "%.1f", (System.nanoTime() - since) / 1e9);
    }
}
