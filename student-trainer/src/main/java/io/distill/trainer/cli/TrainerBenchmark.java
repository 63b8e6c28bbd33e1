package io.distill.trainer.cli;

import ai.djl.Device;
import io.distill.core.architecture.ArchitectureSpec;
import io.distill.core.config.DistillConfig;
import io.distill.core.dataset.FashionMnist;
import io.distill.core.registry.HttpRegistryClient;
import io.distill.core.registry.RegistryClient;
import io.distill.core.softtarget.SoftTargets;
import io.distill.core.tensor.TensorCodec;
import io.distill.core.topics.TopicCatalogue;
import io.distill.core.topics.Topics;
import io.distill.schema.ExampleKind;
import io.distill.schema.LabelSpace;
import io.distill.schema.Split;
import io.distill.schema.TrainingExample;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.StackOptions;
import io.distill.trainer.adaptive.AdaptiveWeighting;
import io.distill.trainer.config.ArchitectureSpecs;
import io.distill.trainer.config.TrainerSettings;
import io.distill.trainer.data.Sample;
import io.distill.trainer.data.SerdeExampleDecoder;
import io.distill.trainer.model.OptimizerSettings;
import io.distill.trainer.model.StudentNetwork;
import io.distill.trainer.service.TrainerService;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code distill bench trainer}: trains the same student on the same Fashion-MNIST examples (a) from an in-memory
 * array loop and (b) through the trainer service consuming them from a real broker, and prints both rates and
 * their ratio, for the 784-800-800-10 MLP and a small CNN. Both paths run the same network, loss and optimizer step;
 * the streamed one adds consuming, decoding, batching and offset bookkeeping (replay and publishing off, so the work
 * per sample is the same).
 */
@Command(name = "trainer", mixinStandardHelpOptions = true,
        description = "Streamed (Kafka -> trainer service) vs in-memory training throughput of the same student.")
public final class TrainerBenchmark implements Callable<Integer> {

    @Option(names = "--mlp", description = "MLP student (default: ${DEFAULT-VALUE}).")
    String mlp = "mlp:800,800";

    @Option(names = "--cnn", description = "CNN student (default: ${DEFAULT-VALUE}).")
    String cnn = "cnn:16,32/k3/d64";

    @Option(names = "--mlp-samples", description = "Samples per MLP run (default: ${DEFAULT-VALUE}).")
    int mlpSamples = 8_000;

    @Option(names = "--cnn-samples", description = "Samples per CNN run (default: ${DEFAULT-VALUE}).")
    int cnnSamples = 2_000;

    @Option(names = "--batch-size", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batchSize = 128;

    @Option(names = "--rounds", description = "Alternating rounds per student; the best of each path counts (default: ${DEFAULT-VALUE}).")
    int rounds = 3;

    @Option(names = "--threads", description = "ai.djl.pytorch.num_threads (default: ${DEFAULT-VALUE}).")
    int threads = 1;

    @Option(names = "--bootstrap-servers", description = "Use this broker instead of starting an embedded stack.")
    String bootstrapServers;

    @Option(names = "--registry-url", description = "Schema registry of --bootstrap-servers' stack.")
    String registryUrl;

    private final Map<String, String> results = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        EmbeddedStack stack = null;
        try {
            if (bootstrapServers == null) {
                stack = EmbeddedStack.start(StackOptions.builder().build());
                bootstrapServers = stack.bootstrapServers();
                registryUrl = stack.registryUrl();
            }
            int max = Math.max(mlpSamples, cnnSamples);
            FashionMnist.Split train = FashionMnist.load(FashionMnist.locate(), "train", max);
            run("mlp", mlp, new int[]{784}, train, mlpSamples);
            run("cnn", cnn, new int[]{1, 28, 28}, train, cnnSamples);
        } finally {
            if (stack != null) {
                stack.close();
            }
        }
        results.put("threads", Integer.toString(threads));
        results.put("batch_size", Integer.toString(batchSize));
        results.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
        results.forEach((k, v) -> System.out.println(k + ": " + v));
        return 0;
    }

    private void run(String name, String architecture, int[] shape, FashionMnist.Split train, int n) throws Exception {
        ArchitectureSpec spec = ArchitectureSpecs.parse(architecture, 0.0);
        double[] inMemoryRates = new double[rounds];
        double[] streamedRates = new double[rounds];
        double[] inMemoryCpuRates = new double[rounds];
        double[] streamedCpuRates = new double[rounds];
        // Alternating rounds, best of each: on a shared machine other load only ever slows a round down.
        for (int round = 0; round < rounds; round++) {
            Rate[] rate = new Rate[1];
            // On a thread of its own, like the service's training loop, so both run under the same thread settings.
            Thread t = new Thread(() -> rate[0] = inMemory(spec, shape, train, n), "in-memory-loop");
            t.start();
            t.join();
            Rate streamed = streamed(name + round, architecture, shape, train, n);
            inMemoryRates[round] = rate[0].perSecond();
            streamedRates[round] = streamed.perSecond();
            inMemoryCpuRates[round] = rate[0].perCpuSecond();
            streamedCpuRates[round] = streamed.perCpuSecond();
            results.put(name + ".round_" + round + ".in_memory_samples_per_s",
                    String.format(Locale.ROOT, "%.0f", inMemoryRates[round]));
            results.put(name + ".round_" + round + ".streamed_samples_per_s",
                    String.format(Locale.ROOT, "%.0f", streamedRates[round]));
            results.put(name + ".round_" + round + ".in_memory_samples_per_training_cpu_s",
                    String.format(Locale.ROOT, "%.0f", inMemoryCpuRates[round]));
            results.put(name + ".round_" + round + ".streamed_samples_per_training_cpu_s",
                    String.format(Locale.ROOT, "%.0f", streamedCpuRates[round]));
        }
        java.util.Arrays.sort(inMemoryRates);
        java.util.Arrays.sort(streamedRates);
        java.util.Arrays.sort(inMemoryCpuRates);
        java.util.Arrays.sort(streamedCpuRates);
        double bestInMemory = inMemoryRates[rounds - 1];
        double bestStreamed = streamedRates[rounds - 1];
        results.put(name + ".median_ratio", String.format(Locale.ROOT, "%.3f",
                streamedRates[rounds / 2] / inMemoryRates[rounds / 2]));
        // Samples per CPU second of the thread that trains: what the stream adds to that thread's work, whatever
        // share of the machine the other load leaves to the process (with one intra-op thread the operators run on
        // the training thread itself).
        results.put(name + ".training_cpu_ratio", String.format(Locale.ROOT, "%.3f",
                streamedCpuRates[rounds / 2] / inMemoryCpuRates[rounds / 2]));
        results.put(name + ".architecture", architecture);
        results.put(name + ".samples_per_round", Integer.toString(n));
        results.put(name + ".in_memory_samples_per_s", String.format(Locale.ROOT, "%.0f", bestInMemory));
        results.put(name + ".streamed_samples_per_s", String.format(Locale.ROOT, "%.0f", bestStreamed));
        results.put(name + ".ratio", String.format(Locale.ROOT, "%.3f", bestStreamed / bestInMemory));
    }

    private static float[] teacher(int label) {
        float[] l = new float[10];
        for (int c = 0; c < 10; c++) {
            l[c] = (float) Math.log(c == label ? 0.91 : 0.01);
        }
        return l;
    }

    /** Samples per wall-clock second and per CPU second of the training thread. */
    private record Rate(double perSecond, double perCpuSecond) {
    }

    private static long threadCpuNanos(Thread thread) {
        return java.lang.management.ManagementFactory.getThreadMXBean().getThreadCpuTime(thread.getId());
    }

    /** (a) DJL on arrays already in memory: batches of samples straight into the training step. */
    private Rate inMemory(ArchitectureSpec spec, int[] shape, FashionMnist.Split train, int n) {
        List<Sample> samples = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            samples.add(new Sample("s" + i, train.images()[i], teacher(train.labels()[i]), train.labels()[i], 1f));
        }
        try (StudentNetwork net = new StudentNetwork(spec, shape, labelSpace(), 10, OptimizerSettings.defaults(),
                Device.cpu(), 42)) {
            int warmup = Math.min(5, n / batchSize / 4);
            for (int b = 0; b < warmup; b++) {
                net.train(samples.subList(b * batchSize, (b + 1) * batchSize), 0.9f, 4f, AdaptiveWeighting.NONE);
            }
            long start = System.nanoTime();
            long cpuStart = threadCpuNanos(Thread.currentThread());
            int trained = 0;
            for (int from = warmup * batchSize; from + batchSize <= n; from += batchSize) {
                net.train(samples.subList(from, from + batchSize), 0.9f, 4f, AdaptiveWeighting.NONE);
                trained += batchSize;
            }
            return new Rate(trained / ((System.nanoTime() - start) / 1e9),
                    trained / ((threadCpuNanos(Thread.currentThread()) - cpuStart) / 1e9));
        }
    }

    /** (b) The service consuming the same examples from the broker, decoding and batching off the training thread. */
    private Rate streamed(String name, String architecture, int[] shape, FashionMnist.Split train, int n)
            throws Exception {
        String prefix = EmbeddedStack.uniqueName("bench-" + name) + ".";
        Map<String, String> c = new LinkedHashMap<>(TrainerSettings.DEFAULTS);
        c.put("kafka.bootstrap.servers", bootstrapServers);
        c.put("registry.url", registryUrl);
        c.put("topics.prefix", prefix);
        c.put("topics.partitions", "1");
        c.put("trainer.model", "bench-" + name);
        c.put("trainer.architecture", architecture);
        c.put("trainer.input.shape", shape.length == 1 ? "784" : "1,28,28");
        c.put("trainer.batch.size", Integer.toString(batchSize));
        c.put("trainer.replay.ratio", "0");
        c.put("trainer.publish.every.samples", Long.toString(Long.MAX_VALUE / 4));
        c.put("trainer.publish.interval.ms", Long.toString(Long.MAX_VALUE / 4_000_000));
        c.put("trainer.device", "cpu");
        DistillConfig config = DistillConfig.of(c);
        TopicCatalogue catalogue = TopicCatalogue.fromConfig(config);
        try (Admin admin = Admin.create(config.kafkaProperties())) {
            catalogue.ensure(admin);
        }
        RegistryClient registry = new HttpRegistryClient(config.registryClientConfig());
        Topics topics = catalogue.topics(registry, true);
        Map<String, Object> props = new HashMap<>(config.kafkaProperties());
        props.put("linger.ms", 10);
        props.put("batch.size", 256 * 1024);
        try (KafkaProducer<byte[], byte[]> producer =
                     new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < n; i++) {
                int y = train.labels()[i];
                double[] lp = new double[10];
                float[] t = teacher(y);
                for (int k = 0; k < 10; k++) {
                    lp[k] = t[k];
                }
                TrainingExample e = TrainingExample.newBuilder().setRequestId("b" + i).setKind(ExampleKind.EXAMPLE)
                        .setSampleKey("b" + i).setSplit(Split.TRAIN).setTask("bench").setEventTime(Instant.now())
                        .setInput(TensorCodec.encode(train.images()[i], shape)).setTarget(SoftTargets.dense(lp))
                        .setHardLabel(y).setLabelSpace(labelSpace()).setWeight(1f).build();
                producer.send(new ProducerRecord<>(topics.examples().name(), ("b" + i).getBytes(),
                        topics.examples().serializeValue(e)));
            }
            producer.flush();
        }
        TrainerService service = new TrainerService(TrainerSettings.fromConfig(config), topics,
                config.kafkaProperties(), new SerdeExampleDecoder(registry), new SimpleMeterRegistry(),
                config.configHash(), "bench");
        service.start();
        Thread loop = new Thread(service, "trainer-loop");
        loop.start();
        try {
            int warmupSamples = Math.min(5, n / batchSize / 4) * batchSize;
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(5);
            while (service.samplesSeen() < Math.max(1, warmupSamples)) {
                if (System.nanoTime() > deadline || !service.isRunning()) {
                    throw new IllegalStateException("the streamed run of " + name + " trained nothing within 5 minutes");
                }
                Thread.sleep(1);
            }
            long fromSamples = service.samplesSeen();
            long waitedBefore = service.waitedNanos();
            long start = System.nanoTime();
            long cpuStart = threadCpuNanos(loop);
            long target = (long) (n / batchSize) * batchSize;
            while (service.samplesSeen() < target && service.isRunning() && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            long elapsed = System.nanoTime() - start;
            long cpu = threadCpuNanos(loop) - cpuStart;
            results.put(name.replaceAll("[0-9]+$", "") + ".streamed_starved_fraction", String.format(Locale.ROOT, "%.3f",
                    (double) (service.waitedNanos() - waitedBefore) / elapsed));
            long trained = service.samplesSeen() - fromSamples;
            return new Rate(trained / (elapsed / 1e9), trained / (cpu / 1e9));
        } finally {
            service.close();
            loop.join(30_000);
        }
    }

    private static LabelSpace labelSpace() {
        return LabelSpace.newBuilder().setId(FashionMnist.LABEL_SPACE_ID).setVersion(FashionMnist.LABEL_SPACE_VERSION)
                .setClassNames(FashionMnist.CLASS_NAMES).build();
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new TrainerBenchmark()).execute(args));
    }
}
