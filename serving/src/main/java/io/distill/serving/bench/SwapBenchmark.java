package io.distill.serving.bench;

import io.distill.core.architecture.ArchitectureSpec;
import io.distill.core.registry.HttpRegistryClient;
import io.distill.core.topics.TopicCatalogue;
import io.distill.core.topics.Topics;
import io.distill.core.dataset.FashionMnist;
import io.distill.schema.LabelSpace;
import io.distill.serving.model.ServingContract;
import io.distill.serving.publish.CheckpointPublisher;
import io.distill.serving.publish.SyntheticCheckpoint;
import io.distill.serving.server.ServerSettings;
import io.distill.serving.server.StudentServer;
import io.distill.stack.EmbeddedStack;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code distill bench swap}: several student servers in this JVM follow one model under steady HTTP load while
 * checkpoints of a real network (784-800-800-10 MLP, ~5 MB) are published one after another; per version it
 * measures the time from the manifest's commit until every server has answered a request with it, and counts failed
 * requests and wrong-version answers (an answer from a version older than one the same server had already answered
 * with before the request was sent).
 */
@Command(name = "swap", mixinStandardHelpOptions = true,
        description = "Hot-swap benchmark: commit-to-served latency across a fleet under load.")
public final class SwapBenchmark implements Callable<Integer> {

    private static final Pattern VERSION = Pattern.compile("\"version\":(\\d+)");

    @Option(names = "--servers", description = "Student servers (default 4).")
    int servers = 4;

    @Option(names = "--versions", description = "Checkpoints published after the first (default 50).")
    int versions = 50;

    @Option(names = "--clients-per-server", description = "Client threads per server (default 1).")
    int clientsPerServer = 1;

    @Option(names = "--hidden", split = ",", description = "Hidden widths of the MLP (default 800,800: ~5 MB).")
    List<Integer> hidden = List.of(800, 800);

    @Option(names = "--chunk-bytes", description = "Blob chunk size (default: the topic catalogue's "
            + "topics.blobs.chunk.bytes, " + TopicCatalogue.DEFAULT_BLOB_CHUNK_BYTES + ", what the trainer writes).")
    int chunkBytes = TopicCatalogue.DEFAULT_BLOB_CHUNK_BYTES;

    @Option(names = "--pause-ms", description = "Pause between a version being served everywhere and the next (default 200).")
    long pauseMs = 200;

    @Option(names = "--bootstrap-servers", description = "Use this cluster instead of an embedded stack.")
    String bootstrapServers;

    @Option(names = "--registry-url", description = "Schema registry of that cluster.")
    String registryUrl;

    @Option(names = "--report", description = "Markdown file to record the results in (default docs/BENCHMARKS.md).")
    Path report = Path.of(System.getProperty("distill.root", "."), "docs", "BENCHMARKS.md");

    @Override
    public Integer call() throws Exception {
        EmbeddedStack stack = bootstrapServers == null ? EmbeddedStack.start() : null;
        try {
            String bootstrap = stack != null ? stack.bootstrapServers() : bootstrapServers;
            String registry = stack != null ? stack.registryUrl() : registryUrl;
            return run(bootstrap, registry);
        } finally {
            if (stack != null) {
                stack.close();
            }
        }
    }

    private int run(String bootstrap, String registryUrl) throws Exception {
        Map<String, Object> kafka = new LinkedHashMap<>();
        kafka.put("bootstrap.servers", bootstrap);
        TopicCatalogue catalogue = TopicCatalogue.builder().prefix("bench-swap-" + System.currentTimeMillis() + ".")
                .partitions(1).blobChunkBytes(chunkBytes)
                .blobMaxMessageBytes(Math.max(TopicCatalogue.DEFAULT_BLOB_MAX_MESSAGE_BYTES, chunkBytes + (64 << 10)))
                .build();
        try (var admin = org.apache.kafka.clients.admin.Admin.create(kafka)) {
            catalogue.ensure(admin);
        }
        Topics topics = catalogue.topics(HttpRegistryClient.create(registryUrl), true);
        LabelSpace labels = LabelSpace.newBuilder().setId(FashionMnist.LABEL_SPACE_ID)
                .setVersion(FashionMnist.LABEL_SPACE_VERSION).setClassNames(new ArrayList<>(FashionMnist.CLASS_NAMES))
                .build();
        SyntheticCheckpoint checkpoint = SyntheticCheckpoint.create(ArchitectureSpec.mlp(hidden, 0.0),
                new int[]{784}, labels);
        System.out.printf("checkpoint: %.2f MB, %d chunk(s) of <= %d bytes%n", checkpoint.size() / 1e6,
                checkpoint.chunks(chunkBytes).size(), chunkBytes);
        String model = "bench-student";
        ServingContract contract = ServingContract.parse("fashion-mnist:1", List.of(), "784");
        List<StudentServer> fleet = new ArrayList<>();
        try (CheckpointPublisher publisher = new CheckpointPublisher(kafka, "bench-swap-" + System.nanoTime(),
                catalogue.checkpointBlobs(), catalogue.checkpoints(), topics.checkpoints().valueSerializer(),
                chunkBytes)) {
            for (int i = 0; i < servers; i++) {
                fleet.add(StudentServer.start(ServerSettings.local(model, contract, "bench-" + i), topics, kafka));
            }
            publisher.publish(checkpoint, model, 1);
            awaitServed(fleet, 1, Duration.ofSeconds(120));
            return measure(publisher, checkpoint, model, fleet);
        } finally {
            fleet.forEach(StudentServer::close);
        }
    }

    private int measure(CheckpointPublisher publisher, SyntheticCheckpoint checkpoint, String model,
                        List<StudentServer> fleet) throws Exception {
        int n = fleet.size();
        List<Map<Long, Long>> firstAnswer = new ArrayList<>();
        List<AtomicLong> maxAnswered = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            firstAnswer.add(new ConcurrentHashMap<>());
            maxAnswered.add(new AtomicLong());
        }
        AtomicLong failures = new AtomicLong();
        AtomicLong wrongVersion = new AtomicLong();
        AtomicLong requests = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        String body = requestBody();
        List<Thread> clients = new ArrayList<>();
        for (int s = 0; s < n; s++) {
            for (int c = 0; c < clientsPerServer; c++) {
                int server = s;
                URI uri = URI.create(fleet.get(s).baseUrl() + "/v1/models/" + model + "/predict");
                Thread t = new Thread(() -> {
                    HttpClient http = HttpClient.newHttpClient();
                    HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build();
                    while (running.get()) {
                        long seenBefore = maxAnswered.get(server).get();
                        try {
                            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                            requests.incrementAndGet();
                            Matcher m = VERSION.matcher(r.body());
                            if (r.statusCode() != 200 || !m.find()) {
                                failures.incrementAndGet();
                                continue;
                            }
                            long v = Long.parseLong(m.group(1));
                            long now = System.nanoTime();
                            if (v < seenBefore) {
                                wrongVersion.incrementAndGet();
                            }
                            maxAnswered.get(server).accumulateAndGet(v, Math::max);
                            firstAnswer.get(server).putIfAbsent(v, now);
                        } catch (Exception e) {
                            requests.incrementAndGet();
                            failures.incrementAndGet();
                        }
                    }
                }, "bench-client-" + s + "-" + c);
                t.setDaemon(true);
                clients.add(t);
                t.start();
            }
        }
        Thread.sleep(500);
        List<Double> latencies = new ArrayList<>();
        long started = System.nanoTime();
        for (long v = 2; v <= versions + 1; v++) {
            publisher.publish(checkpoint, model, v);
            long committed = System.nanoTime();
            long version = v;
            long deadline = committed + Duration.ofSeconds(60).toNanos();
            while (firstAnswer.stream().anyMatch(m -> !m.containsKey(version))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("v" + v + " not answered by every server within 60 s");
                }
                Thread.sleep(1);
            }
            long last = firstAnswer.stream().mapToLong(m -> m.get(version)).max().orElseThrow();
            latencies.add((last - committed) / 1e6);
            Thread.sleep(pauseMs);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        running.set(false);
        for (Thread t : clients) {
            t.join(15_000);
        }
        double[] sorted = latencies.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        Map<String, String> figures = new LinkedHashMap<>();
        figures.put("servers", Integer.toString(n));
        figures.put("versions", Integer.toString(versions));
        figures.put("checkpoint_mb", String.format("%.2f", checkpoint.size() / 1e6));
        figures.put("swap_to_all_p50_ms", String.format("%.1f", percentile(sorted, 0.50)));
        figures.put("swap_to_all_p90_ms", String.format("%.1f", percentile(sorted, 0.90)));
        figures.put("swap_to_all_p99_ms", String.format("%.1f", percentile(sorted, 0.99)));
        figures.put("swap_to_all_max_ms", String.format("%.1f", sorted[sorted.length - 1]));
        figures.put("requests", Long.toString(requests.get()));
        figures.put("requests_per_s", String.format("%.0f", requests.get() / seconds));
        figures.put("failed_requests", Long.toString(failures.get()));
        figures.put("wrong_version_answers", Long.toString(wrongVersion.get()));
        figures.forEach((k, v) -> System.out.println(k + ": " + v));
        BenchmarkReport.record(report, "swap", describe(), figures);
        return failures.get() == 0 && wrongVersion.get() == 0 ? 0 : 1;
    }

    private String describe() {
        return String.format("`./distill bench swap --servers %d --versions %d --clients-per-server %d` on %s: "
                        + "%d student servers in one JVM (each with its own manifest reader, blob fetch, verification, "
                        + "restore and warm-up), embedded single-node Kafka + schema registry, MLP 784-%s-10 "
                        + "checkpoints (~5 MB, %d-byte chunks), %d HTTP client thread(s) per server sending single "
                        + "inputs back to back; %d CPU cores available. Latency = manifest commit returned to the "
                        + "last server's first answer with the new version.",
                servers, versions, clientsPerServer, LocalDate.now(), servers,
                String.join("-", hidden.stream().map(String::valueOf).toList()), chunkBytes, clientsPerServer,
                Runtime.getRuntime().availableProcessors());
    }

    private static double percentile(double[] sorted, double p) {
        int index = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    private static String requestBody() {
        float[] row = new float[784];
        Arrays.fill(row, 0.1f);
        StringBuilder sb = new StringBuilder("{\"inputs\":[[");
        for (int i = 0; i < row.length; i++) {
            sb.append(i == 0 ? "" : ",").append(row[i]);
        }
        return sb.append("]]}").toString();
    }

    private static void awaitServed(List<StudentServer> fleet, long version, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (fleet.stream().anyMatch(s -> s.slot().currentVersion() != version)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("v" + version + " not served everywhere within " + timeout);
            }
            Thread.sleep(10);
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new SwapBenchmark()).execute(args));
    }
}
