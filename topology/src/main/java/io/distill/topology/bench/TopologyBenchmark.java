package io.distill.topology.bench;

import io.distill.core.dataset.FashionMnist;
import io.distill.core.registry.HttpRegistryClient;
import io.distill.core.softtarget.SoftTargets;
import io.distill.core.tensor.TensorCodec;
import io.distill.schema.InferenceRequest;
import io.distill.schema.LabelSpace;
import io.distill.schema.SoftLabel;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.StackOptions;
import io.distill.topology.RegistrySerdes;
import io.distill.topology.TopologySerdes;
import io.distill.topology.app.TopologyApp;
import io.distill.topology.config.TopologyConfig;
import io.distill.topology.metrics.TopologyMetrics;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code distill bench topology}: pushes a fixed load of requests (Fashion-MNIST images, 784
 * float32) and two teachers' soft labels through the real broker and the topology (exactly-once),
 * and compares the examples/s with this machine's plain Kafka consume-&gt;produce rate over the very
 * same records, measured in the same run.
 *
 * <p>Both legs start from records already in the topics: the topology leg runs from the moment the
 * streams application is RUNNING until the last example is committed and read back
 * (read_committed); the baseline leg, timed from its first record, consumes the same three topics with a plain consumer and
 * produces one record per request (the request's bytes) with a plain idempotent producer.
 */
@Command(name = "topology", mixinStandardHelpOptions = true,
        description = "Examples/s of the topology vs. plain Kafka consume->produce on the same records.")
public final class TopologyBenchmark implements Callable<Integer> {

    @Option(names = "--requests", description = "Requests to push (default ${DEFAULT-VALUE}).", defaultValue = "20000")
    int requests;

    @Option(names = "--partitions", description = "Partitions of each topic (default ${DEFAULT-VALUE}).", defaultValue = "3")
    int partitions;

    @Option(names = "--bootstrap-servers", description = "Use this broker instead of starting an embedded stack.")
    String bootstrapServers;

    @Option(names = "--registry-url", description = "Schema registry of --bootstrap-servers.")
    String registryUrl;

    @Option(names = {"-D", "--set"}, description = "A topology setting as KEY=VALUE (e.g. kafka.commit.interval.ms=1000); repeatable.")
    Map<String, String> overrides;

    /** Runs the benchmark on its own. */
    public static void main(String[] args) {
        System.exit(new picocli.CommandLine(new TopologyBenchmark()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        EmbeddedStack stack = null;
        try {
            if (bootstrapServers == null) {
                stack = EmbeddedStack.start(StackOptions.defaults());
                bootstrapServers = stack.bootstrapServers();
                registryUrl = stack.registryUrl();
            }
            run();
        } finally {
            if (stack != null) {
                stack.close();
            }
        }
        return 0;
    }

    private void run() throws Exception {
        String prefix = "bench-" + Long.toHexString(System.nanoTime()) + ".";
        Map<String, String> settings = new HashMap<>();
        settings.put("topics.prefix", prefix);
        settings.put("application.id", prefix + "topology");
        settings.put("bootstrap.servers", bootstrapServers);
        settings.put("registry.url", registryUrl);
        settings.put("teachers", "cnn-a,cnn-b");
        settings.put("holdout.fraction", "0.1");
        settings.put("state.dir", Files.createTempDirectory("distill-bench-topology").toString());
        if (overrides != null) {
            settings.putAll(overrides);
        }
        TopologyConfig config = TopologyConfig.from(settings);
        String baselineOut = prefix + "baseline-out";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
            List<NewTopic> topics = new ArrayList<>();
            for (String t : List.of(config.requestsTopic(), config.softLabelsTopic(), config.groundTruthTopic(),
                    config.examplesTopic(), config.holdoutTopic(), config.deadLettersTopic(), baselineOut)) {
                topics.add(new NewTopic(t, partitions, (short) 1));
            }
            admin.createTopics(topics).all().get();
        }
        TopologySerdes serdes = RegistrySerdes.on(HttpRegistryClient.create(registryUrl));

        long produced = load(config, serdes);
        System.out.printf(Locale.ROOT, "loaded %d requests and %d soft labels (%d bytes)%n", requests, 2L * requests, produced);

        // leg 1: the topology
        long start;
        long end;
        try (TopologyApp app = TopologyApp.start(config, serdes, TopologyMetrics.inMemory())) {
            app.awaitRunning(Duration.ofSeconds(120));
            start = System.nanoTime();
            long read = drain(List.of(config.examplesTopic(), config.holdoutTopic()), requests, "read_committed");
            end = System.nanoTime();
            if (read < requests) {
                throw new IllegalStateException("only " + read + " of " + requests + " examples came out");
            }
        }
        double topologyRate = requests / ((end - start) / 1e9);

        // leg 2: plain consume -> produce of the same records
        double baselineRate = baseline(config, baselineOut);

        System.out.printf(Locale.ROOT, "requests: %d%n", requests);
        System.out.printf(Locale.ROOT, "request_bytes: %d%n", FashionMnist.IMAGE_SIZE * 4);
        System.out.printf(Locale.ROOT, "topology_examples_per_s: %.0f%n", topologyRate);
        System.out.printf(Locale.ROOT, "kafka_consume_produce_per_s: %.0f%n", baselineRate);
        System.out.printf(Locale.ROOT, "ratio: %.3f%n", topologyRate / baselineRate);
    }

    /** Writes the requests and both teachers' soft labels; returns the bytes written. */
    private long load(TopologyConfig config, TopologySerdes serdes) throws Exception {
        float[][] images;
        int[] labels;
        if (FashionMnist.available()) {
            FashionMnist.Split test = FashionMnist.test();
            images = test.images();
            labels = test.labels();
        } else {
            Random random = new Random(1);
            images = new float[1000][FashionMnist.IMAGE_SIZE];
            labels = new int[1000];
            for (int i = 0; i < images.length; i++) {
                for (int j = 0; j < FashionMnist.IMAGE_SIZE; j++) {
                    images[i][j] = random.nextFloat();
                }
                labels[i] = random.nextInt(10);
            }
        }
        LabelSpace space = LabelSpace.newBuilder().setId(FashionMnist.LABEL_SPACE_ID)
                .setVersion(FashionMnist.LABEL_SPACE_VERSION).setClassNames(FashionMnist.CLASS_NAMES).build();
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
        long bytes = 0;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < requests; i++) {
                String id = "bench-" + i;
                int k = i % images.length;
                InferenceRequest request = InferenceRequest.newBuilder().setRequestId(id).setSourceId("bench")
                        .setTask("fashion-mnist").setEventTime(Instant.ofEpochMilli(i))
                        .setInput(TensorCodec.encode(images[k], FashionMnist.IMAGE_SHAPE)).setMetadata(Map.of()).build();
                byte[] r = serdes.requests().serializer().serialize(config.requestsTopic(), request);
                producer.send(new ProducerRecord<>(config.requestsTopic(), id, r));
                bytes += r.length;
                for (String teacher : List.of("cnn-a", "cnn-b")) {
                    double[] p = new double[10];
                    java.util.Arrays.fill(p, teacher.equals("cnn-a") ? 0.02 : 0.05);
                    p[labels[k]] = teacher.equals("cnn-a") ? 0.82 : 0.55;
                    SoftLabel label = SoftLabel.newBuilder().setRequestId(id).setTeacherId(teacher).setTeacherVersion("v1")
                            .setLabelSpace(space).setTarget(SoftTargets.denseFromProbabilities(p)).setArgmax(labels[k])
                            .setLatencyMicros(1).setRequestTime(Instant.ofEpochMilli(i))
                            .setProducedAt(Instant.ofEpochMilli(i)).build();
                    byte[] l = serdes.softLabels().serializer().serialize(config.softLabelsTopic(), label);
                    producer.send(new ProducerRecord<>(config.softLabelsTopic(), id, l));
                    bytes += l.length;
                }
            }
            producer.flush();
        }
        return bytes;
    }

    /** Reads topics from the start until {@code expected} records arrived; returns the count. */
    private long drain(List<String> topics, long expected, String isolation) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-reader-" + System.nanoTime());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        long count = 0;
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(topics);
            while (count < expected && System.nanoTime() < deadline) {
                count += consumer.poll(Duration.ofMillis(100)).count();
            }
        }
        return count;
    }

    /** Plain consumer of the three input topics producing one record per request; returns requests/s. */
    private double baseline(TopologyConfig config, String outTopic) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-baseline-" + System.nanoTime());
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        long total = 3L * requests;
        long consumed = 0;
        long start = 0;
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
                KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            consumer.subscribe(List.of(config.requestsTopic(), config.softLabelsTopic(), config.groundTruthTopic()));
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (consumed < total && System.nanoTime() < deadline) {
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(100));
                if (start == 0 && !records.isEmpty()) {
                    start = System.nanoTime();
                }
                for (ConsumerRecord<String, byte[]> r : records) {
                    consumed++;
                    if (r.topic().equals(config.requestsTopic())) {
                        producer.send(new ProducerRecord<>(outTopic, r.key(), r.value()));
                    }
                }
            }
            producer.flush();
            consumer.commitSync();
        }
        long end = System.nanoTime();
        if (consumed < total) {
            throw new IllegalStateException("baseline consumed only " + consumed + " of " + total);
        }
        return requests / ((end - start) / 1e9);
    }
}
