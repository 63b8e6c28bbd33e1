package io.distill.cli.it;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.distill.core.checkpoint.BlockParameters;
import io.distill.core.checkpoint.Checkpoint;
import io.distill.core.checkpoint.CheckpointFormat;
import io.distill.core.checkpoint.CheckpointReader;
import io.distill.core.checkpoint.store.KafkaBlobStore;
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
import io.distill.schema.LabelSpace;
import io.distill.schema.Precision;
import io.distill.schema.Split;
import io.distill.schema.TrainingExample;
import io.distill.serving.model.LoadedModel;
import io.distill.serving.model.ServingContract;
import io.distill.serving.server.ServerSettings;
import io.distill.serving.server.StudentServer;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.junit.IntegrationTest;
import io.distill.trainer.config.TrainerSettings;
import io.distill.trainer.data.Sample;
import io.distill.trainer.data.SerdeExampleDecoder;
import io.distill.trainer.model.StudentNetwork;
import io.distill.trainer.publish.LineageReader;
import io.distill.trainer.service.TrainerService;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Quantization-aware distillation end to end on the real broker and registry: a trainer with {@code trainer.qad},
 * augmentation and {@code trainer.checkpoint.format=both} learns from real Fashion-MNIST examples and publishes a
 * float32 version and its int8 companion in one transaction; one student server follows each, reports which
 * container it loaded, and the int8 server predicts what the int8 checkpoint's dequantized network predicts.
 */
@IntegrationTest
class QuantizedCheckpointIntegrationTest {

    private static final String MODEL = "qad-it";

    @Test
    void qadTrainerPublishesAnInt8CheckpointThatAServerLoadsAndServes(EmbeddedStack stack) throws Exception {
        TopicCatalogue catalogue = TopicCatalogue.builder().prefix(EmbeddedStack.uniqueName("qad-it") + ".")
                .partitions(2).build();
        try (Admin admin = Admin.create(stack.clientProperties())) {
            catalogue.ensure(admin);
        }
        RegistryClient registry = HttpRegistryClient.create(stack.registryUrl());
        Topics topics = catalogue.topics(registry, true);
        FashionMnist.Split train = FashionMnist.load(FashionMnist.locate(), "train", 2_000);
        FashionMnist.Split test = FashionMnist.load(FashionMnist.locate(), "t10k", 1_000);
        send(stack, topics, topics.examples().name(), train, Split.TRAIN);
        send(stack, topics, topics.holdout().name(), test, Split.HOLDOUT);

        Map<String, String> c = new LinkedHashMap<>(TrainerSettings.DEFAULTS);
        c.put("kafka.bootstrap.servers", stack.bootstrapServers());
        c.put("registry.url", stack.registryUrl());
        c.put("topics.prefix", catalogue.prefix());
        c.put("topics.partitions", "2");
        c.put("trainer.model", MODEL);
        c.put("trainer.architecture", "mlp:64");
        c.put("trainer.batch.size", "64");
        c.put("trainer.lr", "0.002");
        c.put("trainer.distillation.schedule", "0:2:0.7");
        c.put("trainer.publish.every.samples", "100000");
        c.put("trainer.gate.min.holdout", "1000");
        c.put("trainer.gate.first.version.after.samples", "1500");
        c.put("trainer.max.samples", "2000");
        c.put("trainer.device", "cpu");
        c.put("trainer.qad", "true");
        c.put("trainer.augment", "shift,noise");
        c.put("trainer.checkpoint.format", "both");
        DistillConfig config = DistillConfig.of(c);
        ServingContract contract = ServingContract.parse("fashion-mnist:1", List.of(), "784");
        try (StudentServer int8Server = StudentServer.start(
                ServerSettings.local(MODEL + ".int8", contract, "qad-it-int8"), topics, stack.clientProperties());
             StudentServer floatServer = StudentServer.start(
                     ServerSettings.local(MODEL, contract, "qad-it-float"), topics, stack.clientProperties())) {
            TrainerService trainer = new TrainerService(TrainerSettings.fromConfig(config), topics,
                    config.kafkaProperties(), new SerdeExampleDecoder(registry), new SimpleMeterRegistry(),
                    config.configHash(), "test");
            List<Sample> holdout;
            try {
                trainer.start();
                trainer.run(); // returns after max samples and a last publication attempt
                holdout = trainer.holdoutSnapshot();
            } finally {
                trainer.close();
            }
            // Augmentation touched training batches only: the hold-out examples are the images as sent.
            assertTrue(holdout.size() >= 500, "hold-out " + holdout.size());
            for (Sample s : holdout) {
                int i = Integer.parseInt(s.requestId().substring(s.requestId().indexOf('-') + 1));
                assertArrayEquals(test.images()[i], s.input(), s.requestId());
            }
            assertTrue(trainer.publishedVersion() >= 1, "the trainer published");
            long version = trainer.publishedVersion();
            await(() -> int8Server.slot().currentVersion() == version && floatServer.slot().currentVersion() == version);

            LineageReader lineage = new LineageReader(stack.clientProperties(), topics.checkpoints().name(),
                    topics.checkpoints().valueDeserializer(), Duration.ofSeconds(30));
            CheckpointManifest floatManifest = lineage.read(MODEL).newest().orElseThrow();
            CheckpointManifest int8Manifest = lineage.read(MODEL + ".int8").newest().orElseThrow();
            assertEquals(version, int8Manifest.getVersion());
            assertEquals(Precision.FLOAT32, floatManifest.getFormat().getPrecision());
            assertEquals(Precision.INT8, int8Manifest.getFormat().getPrecision());
            assertEquals(CheckpointFormat.INT8_VERSION, int8Manifest.getFormat().getVersion());
            assertEquals(floatManifest.getOffsets(), int8Manifest.getOffsets(), "one lineage, one set of offsets");
            // float32 with Adam's two moments is 12 bytes per parameter, int8 about 1
            assertTrue(int8Manifest.getTotalBytes() * 8 < floatManifest.getTotalBytes(),
                    int8Manifest.getTotalBytes() + " vs " + floatManifest.getTotalBytes());
            assertTrue(int8Manifest.getMetrics().get("agreement") > 0.6, "int8 hold-out " + int8Manifest.getMetrics());

            LoadedModel servedInt8 = int8Server.slot().current().orElseThrow();
            assertEquals(Precision.INT8, servedInt8.precision());
            assertEquals(Precision.FLOAT32, floatServer.slot().current().orElseThrow().precision());
            String info = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(int8Server.baseUrl() + "/v1/models/" + MODEL + ".int8")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(info.contains("\"precision\":\"INT8\""), info);

            // The served int8 model answers what the int8 checkpoint's dequantized network computes.
            byte[] blob;
            try (KafkaBlobStore store = KafkaBlobStore.reader(topics.checkpointBlobs().name(),
                    blobReadProperties(stack, catalogue))) {
                blob = store.get(int8Manifest.getModelName(), version, int8Manifest.getChunks());
            }
            Checkpoint checkpoint = CheckpointReader.read(blob);
            assertEquals(Precision.INT8, checkpoint.precision());
            List<Sample> probe = new ArrayList<>();
            float[][] inputs = new float[200][];
            for (int i = 0; i < inputs.length; i++) {
                inputs[i] = test.images()[i];
                probe.add(new Sample("p" + i, inputs[i], null, test.labels()[i], 1f));
            }
            double[][] reference;
            try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
                Block block = BlockParameters.buildAndLoad(checkpoint, manager);
                reference = StudentNetwork.logProbs(block, manager, new int[]{784}, 10, probe);
            }
            float[][] served = servedInt8.predict(inputs);
            float[][] servedFloat = floatServer.slot().current().orElseThrow().predict(inputs);
            int sameTop = 0;
            for (int i = 0; i < inputs.length; i++) {
                for (int k = 0; k < 10; k++) {
                    assertEquals(Math.exp(reference[i][k]), served[i][k], 1e-4, "row " + i + " class " + k);
                }
                sameTop += argmax(served[i]) == argmax(servedFloat[i]) ? 1 : 0;
            }
            assertTrue(sameTop >= 180, "int8 and float32 agree on the top class of " + sameTop + " of 200");
        }
    }

    private static Map<String, Object> blobReadProperties(EmbeddedStack stack, TopicCatalogue catalogue) {
        Map<String, Object> props = new HashMap<>(stack.clientProperties());
        props.putAll(catalogue.blobConsumerOverrides());
        return props;
    }

    private static int argmax(float[] row) {
        int best = 0;
        for (int i = 1; i < row.length; i++) {
            if (row[i] > row[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Real images with a teacher that puts 0.91 on the true class, as the topology would write them. */
    private static void send(EmbeddedStack stack, Topics topics, String topic, FashionMnist.Split split, Split kind) {
        LabelSpace labels = LabelSpace.newBuilder().setId(FashionMnist.LABEL_SPACE_ID)
                .setVersion(FashionMnist.LABEL_SPACE_VERSION).setClassNames(new ArrayList<>(FashionMnist.CLASS_NAMES))
                .build();
        Map<String, Object> props = new HashMap<>(stack.clientProperties());
        props.put("linger.ms", 10);
        try (KafkaProducer<byte[], byte[]> producer =
                     new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < split.size(); i++) {
                int y = split.labels()[i];
                double[] logProbs = new double[10];
                for (int k = 0; k < 10; k++) {
                    logProbs[k] = Math.log(k == y ? 0.91 : 0.01);
                }
                String id = kind + "-" + i;
                TrainingExample e = TrainingExample.newBuilder().setRequestId(id).setKind(ExampleKind.EXAMPLE)
                        .setSampleKey(id).setSplit(kind).setTask("fashion").setEventTime(Instant.now())
                        .setInput(TensorCodec.encode(split.images()[i], 784)).setTarget(SoftTargets.dense(logProbs))
                        .setHardLabel(y).setLabelSpace(labels).setWeight(1f).build();
                producer.send(new ProducerRecord<>(topic, id.getBytes(), topics.examples().serializeValue(e)));
            }
            producer.flush();
        }
    }

    private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no server loaded the published version within 90 s");
            }
            Thread.sleep(100);
        }
    }
}
