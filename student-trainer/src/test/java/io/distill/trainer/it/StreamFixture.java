package io.distill.trainer.it;

import io.distill.core.config.DistillConfig;
import io.distill.core.dataset.FashionMnist;
import io.distill.core.registry.HttpRegistryClient;
import io.distill.core.registry.RegistryClient;
import io.distill.core.softtarget.SoftTargets;
import io.distill.core.tensor.TensorCodec;
import io.distill.core.topics.TopicCatalogue;
import io.distill.core.topics.Topics;
import io.distill.schema.CheckpointManifest;
import io.distill.schema.ExampleKind;
import io.distill.schema.Split;
import io.distill.schema.TrainingExample;
import io.distill.stack.EmbeddedStack;
import io.distill.trainer.config.TrainerSettings;
import io.distill.trainer.data.SerdeExampleDecoder;
import io.distill.trainer.publish.Lineage;
import io.distill.trainer.publish.LineageReader;
import io.distill.trainer.service.TrainerService;
import io.distill.trainer.testdata.FashionSamples;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.IntUnaryOperator;

/**
 * Topics with a unique prefix on the shared test stack, Fashion-MNIST examples written to them the way the
 * topology writes them (Confluent wire format through the registry), and trainer configurations pointing at them.
 */
final class StreamFixture implements AutoCloseable {

    final EmbeddedStack stack;
    final String prefix;
    final TopicCatalogue catalogue;
    final RegistryClient registry;
    final Topics topics;
    private final KafkaProducer<byte[], byte[]> producer;
    private final FashionMnist.Split train;
    private final FashionMnist.Split test;

    StreamFixture(EmbeddedStack stack, String name) throws IOException {
        this(stack, name, HttpRegistryClient.create(stack.registryUrl()));
    }

    /** A fixture whose serdes and trainers use {@code registry} (e.g. one a test stops and restarts). */
    StreamFixture(EmbeddedStack stack, String name, RegistryClient registry) throws IOException {
        this.stack = stack;
        this.prefix = EmbeddedStack.uniqueName(name) + ".";
        this.catalogue = TopicCatalogue.builder().prefix(prefix).partitions(2).build();
        try (Admin admin = Admin.create(stack.clientProperties())) {
            catalogue.ensure(admin);
        }
        this.registry = registry;
        this.topics = catalogue.topics(registry, true);
        Map<String, Object> props = new HashMap<>(stack.clientProperties());
        props.put("linger.ms", 10);
        this.producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        this.train = FashionMnist.load(FashionMnist.locate(), "train", 12_000);
        this.test = FashionMnist.load(FashionMnist.locate(), "t10k", 2_000);
    }

    static TrainingExample example(String id, Split split, float[] image, int teacherClass, Integer hardLabel) {
        double[] logProbs = new double[FashionSamples.CLASSES];
        float[] smoothed = FashionSamples.smoothedLogProbs(teacherClass);
        for (int c = 0; c < logProbs.length; c++) {
            logProbs[c] = smoothed[c];
        }
        return TrainingExample.newBuilder()
                .setRequestId(id)
                .setKind(ExampleKind.EXAMPLE)
                .setSampleKey(id)
                .setSplit(split)
                .setTask("fashion")
                .setEventTime(Instant.now())
                .setInput(TensorCodec.encode(image, 784))
                .setTarget(SoftTargets.dense(logProbs))
                .setHardLabel(hardLabel)
                .setLabelSpace(FashionSamples.labelSpace())
                .setWeight(1f)
                .build();
    }

    /**
     * Writes training images {@code [from, from + count)} to the examples topic; the teacher's class is
     * {@code teacher.applyAsInt(trueLabel)} (the identity for a good teacher) and every second example carries
     * its hard label.
     */
    void sendTrain(int from, int count, IntUnaryOperator teacher) {
        for (int i = from; i < from + count; i++) {
            int y = train.labels()[i];
            String id = "train-" + i;
            send(topics.examples().name(), id, example(id, Split.TRAIN, train.images()[i], teacher.applyAsInt(y),
                    i % 2 == 0 ? y : null));
        }
        producer.flush();
    }

    /**
     * Like {@link #sendTrain} with a correct teacher, but in one transaction (as the topology writes, which leaves a
     * commit marker after the records) followed by the given late labels (request id to label) in a second one.
     */
    void sendTrainInTransactions(int from, int count, Map<String, Integer> corrections) {
        Map<String, Object> props = new HashMap<>(stack.clientProperties());
        props.put("transactional.id", prefix + "tx");
        try (KafkaProducer<byte[], byte[]> tx = new KafkaProducer<>(props, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            tx.initTransactions();
            tx.beginTransaction();
            for (int i = from; i < from + count; i++) {
                int y = train.labels()[i];
                String id = "train-" + i;
                tx.send(new ProducerRecord<>(topics.examples().name(), id.getBytes(), topics.examples()
                        .serializeValue(example(id, Split.TRAIN, train.images()[i], y, i % 2 == 0 ? y : null))));
            }
            tx.commitTransaction();
            tx.beginTransaction();
            corrections.forEach((id, label) -> tx.send(new ProducerRecord<>(topics.examples().name(), id.getBytes(),
                    topics.examples().serializeValue(correction(id, label)))));
            tx.commitTransaction();
        }
    }

    static TrainingExample correction(String requestId, int label) {
        return TrainingExample.newBuilder()
                .setRequestId(requestId).setKind(ExampleKind.LABEL_CORRECTION).setSampleKey(requestId)
                .setSplit(Split.TRAIN).setTask("fashion").setEventTime(Instant.now()).setHardLabel(label)
                .setLabelSpace(FashionSamples.labelSpace()).build();
    }

    /** Writes {@code count} test images with a correct teacher to the hold-out topic. */
    void sendHoldout(int count) {
        for (int i = 0; i < count; i++) {
            int y = test.labels()[i];
            String id = "test-" + i;
            send(topics.holdout().name(), id, example(id, Split.HOLDOUT, test.images()[i], y, y));
        }
        producer.flush();
    }

    void sendCorrection(String topic, String requestId, int label) {
        send(topic, requestId, correction(requestId, label));
        producer.flush();
    }

    void sendRaw(String topic, String key, byte[] value) {
        producer.send(new ProducerRecord<>(topic, key.getBytes(), value));
        producer.flush();
    }

    private void send(String topic, String key, TrainingExample example) {
        producer.send(new ProducerRecord<>(topic, key.getBytes(), topics.examples().serializeValue(example)));
    }

    /** Trainer configuration for a small, fast student on these topics. */
    Map<String, String> trainerConfig(String model) {
        Map<String, String> c = new LinkedHashMap<>(TrainerSettings.DEFAULTS);
        c.put("kafka.bootstrap.servers", stack.bootstrapServers());
        c.put("registry.url", stack.registryUrl());
        c.put("topics.prefix", prefix);
        c.put("topics.partitions", "2");
        c.put("trainer.model", model);
        c.put("trainer.architecture", "mlp:64");
        c.put("trainer.batch.size", "64");
        c.put("trainer.lr", "0.002");
        c.put("trainer.distillation.schedule", "0:2:0.7");
        c.put("trainer.replay.capacity", "2000");
        c.put("trainer.replay.ratio", "0.25");
        c.put("trainer.publish.every.samples", "1500");
        c.put("trainer.publish.interval.ms", "600000");
        c.put("trainer.gate.min.holdout", "1000");
        c.put("trainer.gate.first.version.after.samples", "1500");
        c.put("trainer.device", "cpu");
        c.put("metrics.port", "-1");
        return c;
    }

    TrainerService service(Map<String, String> config) {
        return service(config, new SimpleMeterRegistry());
    }

    TrainerService service(Map<String, String> config, MeterRegistry meters) {
        DistillConfig c = DistillConfig.of(config);
        return new TrainerService(TrainerSettings.fromConfig(c), topics, c.kafkaProperties(),
                new SerdeExampleDecoder(registry), meters, c.configHash(), "test");
    }

    Lineage lineage(String model) {
        return new LineageReader(stack.clientProperties(), topics.checkpoints().name(),
                topics.checkpoints().valueDeserializer(), Duration.ofSeconds(30)).read(model);
    }

    List<CheckpointManifest> manifests(String model) {
        return lineage(model).versions();
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(200);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
