package io.distill.cli.bench;

import io.distill.core.checkpoint.Checkpoint;
import io.distill.core.checkpoint.CheckpointFormat;
import io.distill.core.checkpoint.CheckpointWriter;
import io.distill.core.checkpoint.store.KafkaBlobStore;
import io.distill.core.registry.HttpRegistryClient;
import io.distill.core.topics.TopicCatalogue;
import io.distill.core.topics.Topics;
import io.distill.schema.CheckpointManifest;
import io.distill.schema.Precision;
import io.distill.serving.model.LoadedModel;
import io.distill.serving.model.ServingContract;
import io.distill.serving.server.ServerSettings;
import io.distill.serving.server.StudentServer;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.StackOptions;
import io.distill.trainer.config.ArchitectureSpecs;
import io.distill.trainer.data.Sample;
import io.distill.trainer.model.StudentNetwork;
import io.distill.trainer.publish.CheckpointPublisher;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code distill bench qad}: quantization-aware distillation against post-training quantization on real
 * Fashion-MNIST with a saved teacher's soft labels. Trains (a) a float student and (b) the same student with
 * quantization-aware distillation (same data, order and initial weights), then reports the test accuracy of (a) in
 * float32, (b) from its int8 checkpoint and (c) (a) quantized after training into the same int8 container; the
 * checkpoint sizes; and the publish-to-serve time of the float and the int8 checkpoint through the trainer's
 * publisher (blob chunks + manifest in one Kafka transaction) to a student server on the embedded broker, measured
 * alternately in the same run.
 */
@Command(name = "qad", mixinStandardHelpOptions = true,
        description = "Quantization-aware distillation vs post-training int8 quantization: accuracy, checkpoint size,"
                + " publish-to-serve time.")
public final class QadBenchmark implements Callable<Integer> {

    @Option(names = "--teacher", description = "Saved teacher under .distill/teachers (default: ${DEFAULT-VALUE}).")
    String teacher = "cnn-a";

    @Option(names = "--architecture", description = "Student (default: ${DEFAULT-VALUE}).")
    String architecture = "mlp:64";

    @Option(names = "--train-samples", description = "Teacher-labelled training images (default: ${DEFAULT-VALUE}).")
    int trainSamples = 20_000;

    @Option(names = "--test-samples", description = "Test images scored (default: ${DEFAULT-VALUE}).")
    int testSamples = 10_000;

    @Option(names = "--epochs", description = "Epochs over the training images (default: ${DEFAULT-VALUE}).")
    int epochs = 3;

    @Option(names = "--batch-size", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batchSize = 128;

    @Option(names = "--publishes", description = "Publications of each format timed, after an untimed first one "
            + "(default: ${DEFAULT-VALUE}).")
    int publishes = 7;

    @Option(names = "--threads", description = "ai.djl.pytorch.num_threads (default: ${DEFAULT-VALUE}).")
    int threads = 1;

    @Override
    public Integer call() throws Exception {
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        Map<String, String> results = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        TeacherLabelledFashion data = TeacherLabelledFashion.load(teacher, trainSamples, testSamples);
        results.put("teacher", teacher);
        results.put("teacher_test_accuracy", f4(data.teacherTestAccuracy()));
        StudentRuns.Budget budget = new StudentRuns.Budget(ArchitectureSpecs.parse(architecture, 0.0), epochs,
                batchSize, 2e-3f, 2f, 0.7f, 42);
        results.put("student", architecture);
        results.put("train_samples", Integer.toString(data.train().size()));
        results.put("epochs", Integer.toString(epochs));

        byte[] floatBlob;
        byte[] floatParamsBlob;
        byte[] ptqBlob;
        byte[] qadBlob;
        long trainStart = System.nanoTime();
        try (StudentNetwork plain = StudentRuns.train(budget, data.train(), false, null)) {
            results.put("float_test_accuracy", f4(TeacherLabelledFashion.accuracy(data.test(),
                    plain.logProbs(data.test()))));
            Checkpoint c = plain.checkpoint(Map.of("bench", "qad"));
            floatBlob = CheckpointWriter.write(c);
            floatParamsBlob = CheckpointWriter.write(c.withoutOptimizerState());
            ptqBlob = CheckpointWriter.write(c.withoutOptimizerState(), Precision.INT8);
        }
        double floatSeconds = (System.nanoTime() - trainStart) / 1e9;
        trainStart = System.nanoTime();
        try (StudentNetwork qad = StudentRuns.train(budget, data.train(), true, null)) {
            results.put("qad_float_weights_test_accuracy", f4(TeacherLabelledFashion.accuracy(data.test(),
                    qad.logProbs(data.test()))));
            qadBlob = CheckpointWriter.write(qad.checkpoint(Map.of("bench", "qad")).withoutOptimizerState(),
                    Precision.INT8);
        }
        double qadSeconds = (System.nanoTime() - trainStart) / 1e9;
        double[][] qadInt8 = StudentRuns.logProbsOf(qadBlob, data.test());
        results.put("qad_int8_test_accuracy", f4(TeacherLabelledFashion.accuracy(data.test(), qadInt8)));
        results.put("ptq_int8_test_accuracy", f4(TeacherLabelledFashion.accuracy(data.test(),
                StudentRuns.logProbsOf(ptqBlob, data.test()))));
        results.put("float_training_s", f1(floatSeconds));
        results.put("qad_training_s", f1(qadSeconds));
        results.put("float_checkpoint_bytes", Integer.toString(floatBlob.length));
        results.put("float_params_only_checkpoint_bytes", Integer.toString(floatParamsBlob.length));
        results.put("int8_checkpoint_bytes", Integer.toString(qadBlob.length));
        results.put("float_to_int8_size_ratio", f2((double) floatBlob.length / qadBlob.length));
        results.put("float_params_only_to_int8_size_ratio", f2((double) floatParamsBlob.length / qadBlob.length));

        // The accuracy and size figures stand on their own: printed before the broker part starts.
        results.forEach((k, v) -> System.out.println(k + ": " + v));
        results.clear();
        try (EmbeddedStack stack = EmbeddedStack.start(StackOptions.builder()
                .startTimeout(Duration.ofMinutes(5)).build())) {
            publishToServe(stack, floatBlob, qadBlob, qadInt8, data.test(), results);
        }
        results.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
        results.put("total_s", f1((System.nanoTime() - t0) / 1e9));
        results.forEach((k, v) -> System.out.println(k + ": " + v));
        return 0;
    }

    /** Publishes the float and the int8 blob alternately and times each until a student server serves it. */
    private void publishToServe(EmbeddedStack stack, byte[] floatBlob, byte[] int8Blob, double[][] int8Reference,
                                List<Sample> test, Map<String, String> results) throws Exception {
        Map<String, Object> kafka = new HashMap<>(stack.clientProperties());
        TopicCatalogue catalogue = TopicCatalogue.builder().prefix(EmbeddedStack.uniqueName("bench-qad") + ".")
                .partitions(1).build();
        try (Admin admin = Admin.create(kafka)) {
            catalogue.ensure(admin);
        }
        Topics topics = catalogue.topics(HttpRegistryClient.create(stack.registryUrl()), true);
        Map<String, Object> producerProps = new HashMap<>(kafka);
        producerProps.putAll(catalogue.blobProducerOverrides());
        producerProps.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "bench-qad-" + System.nanoTime());
        producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        Map<String, Object> readProps = new HashMap<>(kafka);
        readProps.putAll(catalogue.blobConsumerOverrides());
        ServingContract contract = ServingContract.parse("fashion-mnist:1", List.of(), "784");
        String floatModel = "bench-qad";
        String int8Model = "bench-qad.int8";
        try (KafkaProducer<byte[], byte[]> producer =
                     new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer());
             KafkaBlobStore store = new KafkaBlobStore(topics.checkpointBlobs().name(), readProps, producer,
                     catalogue.blobChunkBytes(), Duration.ofSeconds(60));
             StudentServer floatServer = StudentServer.start(ServerSettings.local(floatModel, contract, "bench-f"),
                     topics, kafka);
             StudentServer int8Server = StudentServer.start(ServerSettings.local(int8Model, contract, "bench-i"),
                     topics, kafka)) {
            producer.initTransactions();
            CheckpointPublisher publisher = new CheckpointPublisher(producer, store, topics.checkpoints().name(),
                    topics.checkpoints().valueSerializer(), "bench-qad");
            // Version 1 of each warms up the servers' first load (engine, predictors); it is not timed.
            publishAndAwait(publisher, floatServer, floatModel, 1, floatBlob, Precision.FLOAT32);
            publishAndAwait(publisher, int8Server, int8Model, 1, int8Blob, Precision.INT8);
            double[] floatMs = new double[publishes];
            double[] int8Ms = new double[publishes];
            for (int i = 0; i < publishes; i++) {
                long v = i + 2;
                floatMs[i] = publishAndAwait(publisher, floatServer, floatModel, v, floatBlob, Precision.FLOAT32);
                int8Ms[i] = publishAndAwait(publisher, int8Server, int8Model, v, int8Blob, Precision.INT8);
            }
            LoadedModel servedInt8 = int8Server.slot().current().orElseThrow();
            LoadedModel servedFloat = floatServer.slot().current().orElseThrow();
            results.put("served_float_reports", servedFloat.precision().name());
            results.put("served_int8_reports", servedInt8.precision().name());
            results.put("served_int8_max_abs_probability_diff_vs_reference",
                    String.format(Locale.ROOT, "%.2e", maxDiff(servedInt8, test.subList(0, 512), int8Reference)));
            Arrays.sort(floatMs);
            Arrays.sort(int8Ms);
            results.put("publishes_per_format", Integer.toString(publishes));
            results.put("float_publish_to_serve_median_ms", f1(floatMs[publishes / 2]));
            results.put("int8_publish_to_serve_median_ms", f1(int8Ms[publishes / 2]));
            results.put("float_publish_to_serve_min_ms", f1(floatMs[0]));
            results.put("int8_publish_to_serve_min_ms", f1(int8Ms[0]));
        }
    }

    private static double publishAndAwait(CheckpointPublisher publisher, StudentServer server, String model,
                                          long version, byte[] blob, Precision precision) throws Exception {
        CheckpointManifest.Builder draft = CheckpointManifest.newBuilder()
                .setModelName(model).setVersion(version).setParentVersion(version > 1 ? version - 1 : null)
                .setCreatedAt(Instant.now())
                .setArchitecture(io.distill.core.checkpoint.CheckpointReader.read(blob).architecture()
                        .toAvro(TeacherLabelledFashion.SHAPE, TeacherLabelledFashion.CLASSES))
                .setInputShape(List.of(784)).setLabelSpace(TeacherLabelledFashion.labelSpace())
                .setStep(version).setSamplesSeen(version).setOffsets(List.of()).setTeachers(List.of())
                .setMetrics(Map.of()).setFormat(CheckpointFormat.containerFormat(precision))
                .setCodeVersion("bench").setConfigHash("").setSeed(42)
                .setTotalBytes(0).setSha256("").setBlobStore("").setChunks(List.of());
        long start = System.nanoTime();
        publisher.publish(List.of(new CheckpointPublisher.Blob(draft, blob)), Map.of());
        long deadline = start + Duration.ofSeconds(60).toNanos();
        while (server.slot().currentVersion() != version) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(model + " v" + version + " not served within 60 s");
            }
            Thread.sleep(1);
        }
        return (System.nanoTime() - start) / 1e6;
    }

    private static double maxDiff(LoadedModel served, List<Sample> samples, double[][] referenceLogProbs) {
        float[][] inputs = new float[samples.size()][];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = samples.get(i).input();
        }
        float[][] probs = served.predict(inputs);
        double max = 0;
        for (int i = 0; i < probs.length; i++) {
            for (int c = 0; c < probs[i].length; c++) {
                max = Math.max(max, Math.abs(probs[i][c] - Math.exp(referenceLogProbs[i][c])));
            }
        }
        return max;
    }

    private static String f1(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String f2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String f4(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }
}
