package io.distill.teacher.bench;

import ai.djl.Device;
import io.distill.core.dataset.FashionMnist;
import io.distill.core.registry.HttpRegistryClient;
import io.distill.core.registry.RegistryClient;
import io.distill.core.tensor.TensorCodec;
import io.distill.core.topics.TopicCatalogue;
import io.distill.core.topics.Topics;
import io.distill.schema.InferenceRequest;
import io.distill.teacher.cli.TeacherStore;
import io.distill.teacher.model.DeviceSelection;
import io.distill.teacher.model.TeacherInference;
import io.distill.teacher.model.TeacherLoader;
import io.distill.teacher.model.TeacherModel;
import io.distill.teacher.service.DeliveryGuarantee;
import io.distill.teacher.service.SoftLabelForm;
import io.distill.teacher.service.TeacherCodecs;
import io.distill.teacher.service.TeacherMetrics;
import io.distill.teacher.service.TeacherService;
import io.distill.teacher.service.TeacherServiceSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code distill bench teacher}: the raw DJL batched predictor against the full service path
 * through the real broker (requests in, soft labels out), at three offered loads, plus the latency
 * exactly-once adds over at-least-once: at the first paced load the service runs once with each
 * guarantee, and an {@link EndToEndLatencyProbe} measures every request's end-to-end latency
 * (produce → soft label visible to a {@code read_committed} consumer); p50/p99 are printed per run
 * and as {@code eos_latency_*} / {@code alo_latency_*}.
 */
@Command(name = "teacher", mixinStandardHelpOptions = true,
        description = {"Benchmark the teacher service: raw batched predictor vs. the service through Kafka.",
                "Starts its own embedded broker and registry unless --bootstrap-servers is given.",
                "Prints name: value lines."})
public final class TeacherBenchmark implements Callable<Integer> {

    @Option(names = "--teacher", defaultValue = "cnn-a", description = "Trained teacher id in the work dir. Default: ${DEFAULT-VALUE}.")
    String teacherId;

    @Option(names = "--model", description = "Teacher directory or model file (overrides --teacher).")
    Path model;

    @Option(names = "--work-dir", description = "Work directory (default: <project>/.distill).")
    Path workDir;

    @Option(names = "--batch-size", defaultValue = "64", description = "Service max batch size (and raw batch size). Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--requests", defaultValue = "3000", description = "Requests per measured run. Default: ${DEFAULT-VALUE}.")
    int requests;

    @Option(names = "--loads", split = ",", defaultValue = "0.5,0.8,saturate",
            description = "Offered loads as fractions of the raw throughput, or 'saturate' (a backlog). Default: ${DEFAULT-VALUE}.")
    List<String> loads;

    @Option(names = "--bootstrap-servers", description = "Use this Kafka cluster instead of an embedded one.")
    String bootstrap;

    @Option(names = "--registry-url", description = "Schema registry URL (with --bootstrap-servers).")
    String registryUrl;

    @Option(names = "--partitions", defaultValue = "3", description = "Partitions of the benchmark topics. Default: ${DEFAULT-VALUE}.")
    int partitions;

    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu, gpu or gpu:<n>.")
    String device;

    private final Map<String, String> results = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        Path location = model != null ? model
                : TeacherStore.teacherDir(workDir != null ? workDir : TeacherStore.defaultWorkDir(), teacherId);
        if (!java.nio.file.Files.exists(location)) {
            throw new CommandLine.ParameterException(new CommandLine(this), "no teacher at " + location
                    + ": train one first with 'distill teacher train --id " + teacherId + "'");
        }
        Device dev = DeviceSelection.resolve(device);
        FashionMnist.Split images = FashionMnist.load(FashionMnist.locate(), "t10k", 10_000);
        AutoCloseable stack = null;
        try (TeacherModel teacher = TeacherLoader.load(location, dev)) {
            String servers = bootstrap;
            String registry = registryUrl;
            if (servers == null) {
                io.distill.stack.EmbeddedStack embedded = io.distill.stack.EmbeddedStack.start();
                stack = embedded;
                servers = embedded.bootstrapServers();
                registry = embedded.registryUrl();
            }
            put("teacher", teacher.id() + "@" + teacher.version());
            put("batch_size", Integer.toString(batchSize));
            double raw = rawThroughput(teacher, images, requests);
            put("raw_predictor_images_per_s", fmt(raw));
            Run alo = null;
            Run eosAtAloLoad = null;
            double latencyRate = 0;
            for (String load : loads) {
                boolean saturate = load.equalsIgnoreCase("saturate");
                double rate = saturate ? 0 : Double.parseDouble(load) * raw;
                // The machine may be shared: bracket each run with short raw measurements.
                double before = rawThroughput(teacher, images, Math.max(batchSize * 8, requests / 5));
                Run run = serviceRun(teacher, images, servers, registry, DeliveryGuarantee.EXACTLY_ONCE, rate);
                double after = rawThroughput(teacher, images, Math.max(batchSize * 8, requests / 5));
                double rawNearby = (before + after) / 2;
                String tag = saturate ? "saturate" : "load_" + load;
                put(tag + "_offered_per_s", saturate ? "backlog" : fmt(rate));
                put(tag + "_raw_nearby_per_s", fmt(rawNearby));
                put(tag + "_service_per_s", fmt(run.throughput));
                put(tag + "_service_over_raw", String.format(Locale.ROOT, "%.3f", run.throughput / rawNearby));
                put(tag + "_mean_batch_size", String.format(Locale.ROOT, "%.1f", run.meanBatch));
                put(tag + "_mean_lag_ms", fmt(run.meanLagMs));
                put(tag + "_latency_p50_ms", fmt(run.p50Ms));
                put(tag + "_latency_p99_ms", fmt(run.p99Ms));
                if (!saturate && eosAtAloLoad == null) {
                    eosAtAloLoad = run;
                    latencyRate = rate;
                    alo = serviceRun(teacher, images, servers, registry, DeliveryGuarantee.AT_LEAST_ONCE, rate);
                }
            }
            if (alo != null) {
                put("alo_mean_lag_ms", fmt(alo.meanLagMs));
                put("eos_mean_lag_ms", fmt(eosAtAloLoad.meanLagMs));
                put("eos_added_latency_ms", fmt(eosAtAloLoad.meanLagMs - alo.meanLagMs));
                put("latency_offered_per_s", fmt(latencyRate));
                // a run that served less than offered fell behind, and its latency measures the backlog
                put("eos_service_per_s", fmt(eosAtAloLoad.throughput));
                put("alo_service_per_s", fmt(alo.throughput));
                put("eos_latency_p50_ms", fmt(eosAtAloLoad.p50Ms));
                put("eos_latency_p99_ms", fmt(eosAtAloLoad.p99Ms));
                put("alo_latency_p50_ms", fmt(alo.p50Ms));
                put("alo_latency_p99_ms", fmt(alo.p99Ms));
                put("eos_added_latency_p50_ms", fmt(eosAtAloLoad.p50Ms - alo.p50Ms));
                put("eos_added_latency_p99_ms", fmt(eosAtAloLoad.p99Ms - alo.p99Ms));
            }
        } finally {
            if (stack != null) {
                stack.close();
            }
        }
        System.out.println();
        results.forEach((k, v) -> System.out.println(k + ": " + v));
        return 0;
    }

    private void put(String name, String value) {
        results.put(name, value);
        System.err.println(name + ": " + value);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /** Images per second of the bare predictor, at the service's batch size, after a warm-up. */
    private double rawThroughput(TeacherModel teacher, FashionMnist.Split images, int n) throws Exception {
        try (TeacherInference inference = teacher.newInference()) {
            runBatches(inference, images, batchSize * 4);
            long start = System.nanoTime();
            runBatches(inference, images, n);
            return n / ((System.nanoTime() - start) / 1e9);
        }
    }

    private void runBatches(TeacherInference inference, FashionMnist.Split images, int n) throws Exception {
        for (int from = 0; from < n; from += batchSize) {
            int size = Math.min(batchSize, n - from);
            float[][] batch = new float[size][];
            for (int i = 0; i < size; i++) {
                batch[i] = images.images()[(from + i) % images.size()];
            }
            inference.logProbabilities(batch);
        }
    }

    private record Run(double throughput, double meanBatch, double meanLagMs, double p50Ms, double p99Ms) {}

    private Run serviceRun(TeacherModel teacher, FashionMnist.Split images, String servers, String registryUrl,
            DeliveryGuarantee guarantee, double rate) throws Exception {
        TopicCatalogue catalogue = TopicCatalogue.builder()
                .prefix("bench-" + UUID.randomUUID().toString().substring(0, 8) + ".").partitions(partitions).build();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", servers))) {
            catalogue.ensure(admin);
        }
        try (RegistryClient registry = HttpRegistryClient.create(registryUrl);
                KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
                        ProducerConfig.LINGER_MS_CONFIG, 5,
                        ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
                        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName()))) {
            Topics topics = catalogue.topics(registry, true);
            TeacherServiceSettings settings = new TeacherServiceSettings(servers, Map.of(), catalogue.requests(),
                    catalogue.softLabels(), null, catalogue.deadLetters(), catalogue.prefix() + "teacher." + teacher.id(),
                    catalogue.prefix() + "teacher." + teacher.id() + ".bench", guarantee, batchSize, Duration.ofMillis(5),
                    1, 4 * batchSize * 8, Duration.ofMillis(100), SoftLabelForm.DENSE, 5, 1.0, Duration.ZERO,
                    Duration.ofSeconds(30));
            TeacherMetrics metrics = new TeacherMetrics(new SimpleMeterRegistry(), teacher.id());
            try (EndToEndLatencyProbe probe = new EndToEndLatencyProbe(servers, catalogue.softLabels(), partitions,
                    topics.softLabels().keyDeserializer())) {
                return serviceRun(teacher, images, producer, topics, catalogue, settings, metrics, probe, rate, registry);
            }
        }
    }

    private Run serviceRun(TeacherModel teacher, FashionMnist.Split images, KafkaProducer<byte[], byte[]> producer,
            Topics topics, TopicCatalogue catalogue, TeacherServiceSettings settings, TeacherMetrics metrics,
            EndToEndLatencyProbe probe, double rate, RegistryClient registry) throws Exception {
        TeacherService service = new TeacherService(settings, teacher, TeacherCodecs.of(topics, registry), metrics);
        if (rate == 0) {
            produce(producer, topics, catalogue, images, 0, probe);
        }
        Thread loop = new Thread(service, "bench-teacher");
        loop.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!service.isReady() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        long start;
        if (rate == 0) {
            while (metrics.labelledCount() == 0) {
                Thread.sleep(1);
            }
            start = System.nanoTime();
            long first = metrics.labelledCount();
            waitFor(metrics, requests);
            double seconds = (System.nanoTime() - start) / 1e9;
            probe.awaitSeen(requests, Duration.ofSeconds(30));
            service.stop();
            return new Run((requests - first) / seconds, metrics.meanBatchSize(), metrics.meanLagMillis(),
                    probe.quantileMillis(0.5), probe.quantileMillis(0.99));
        }
        start = System.nanoTime();
        produce(producer, topics, catalogue, images, rate, probe);
        waitFor(metrics, requests);
        double seconds = (System.nanoTime() - start) / 1e9;
        probe.awaitSeen(requests, Duration.ofSeconds(30));
        service.stop();
        return new Run(requests / seconds, metrics.meanBatchSize(), metrics.meanLagMillis(),
                probe.quantileMillis(0.5), probe.quantileMillis(0.99));
    }

    private static void waitFor(TeacherMetrics metrics, int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (metrics.labelledCount() < n && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
    }

    /** Sends the requests, paced at {@code rate} per second (0: as fast as possible). */
    private void produce(KafkaProducer<byte[], byte[]> producer, Topics topics, TopicCatalogue catalogue,
            FashionMnist.Split images, double rate, EndToEndLatencyProbe probe) throws InterruptedException {
        long start = System.nanoTime();
        for (int i = 0; i < requests; i++) {
            if (rate > 0) {
                long due = start + (long) (i / rate * 1e9);
                long wait = due - System.nanoTime();
                if (wait > 1_000_000) {
                    Thread.sleep(wait / 1_000_000);
                }
            }
            String id = "bench-" + i;
            InferenceRequest request = InferenceRequest.newBuilder().setRequestId(id).setSourceId("bench")
                    .setTask("fashion-mnist").setEventTime(Instant.now())
                    .setInput(TensorCodec.encode(images.images()[i % images.size()], 1, 28, 28))
                    .setMetadata(Map.of()).build();
            byte[] key = topics.requests().serializeKey(id);
            byte[] value = topics.requests().serializeValue(request);
            probe.sent(id);
            producer.send(new ProducerRecord<>(catalogue.requests(), key, value));
        }
        producer.flush();
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new TeacherBenchmark()).execute(args));
    }
}
