package io.distill.teacher.service;

import io.distill.core.dataset.FashionMnist;
import io.distill.core.registry.HttpRegistryClient;
import io.distill.core.registry.RegistryClient;
import io.distill.core.tensor.TensorCodec;
import io.distill.core.topics.TopicCatalogue;
import io.distill.core.topics.Topics;
import io.distill.schema.DeadLetter;
import io.distill.schema.InferenceRequest;
import io.distill.schema.Prediction;
import io.distill.schema.SoftLabel;
import io.distill.schema.Tensor;
import io.distill.stack.EmbeddedStack;
import io.distill.teacher.model.TeacherModel;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * One test's slice of the shared embedded stack: its own topic prefix (so tests never see each
 * other's records), the real registry and serdes, a way to run teacher services, produce requests
 * and read every output back read_committed.
 */
final class ServiceFixture implements AutoCloseable {

    static final int PARTITIONS = 3;

    final EmbeddedStack stack;
    final TopicCatalogue catalogue;
    final RegistryClient registry;
    final Topics topics;
    private final KafkaProducer<byte[], byte[]> producer;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<TeacherService> services = new ArrayList<>();
    private static FashionMnist.Split images;

    ServiceFixture(EmbeddedStack stack) {
        this(stack, HttpRegistryClient.create(stack.registryUrl()));
    }

    /** A fixture whose serdes and services use {@code registry} (e.g. one a test stops and restarts). */
    ServiceFixture(EmbeddedStack stack, RegistryClient registry) {
        this.stack = stack;
        this.catalogue = TopicCatalogue.builder().prefix(EmbeddedStack.uniqueName("t") + ".").partitions(PARTITIONS)
                .build();
        catalogue.ensure(stack.adminClient());
        awaitLeaders(stack, List.of(catalogue.requests(), catalogue.softLabels(), catalogue.responses(),
                catalogue.deadLetters()));
        this.registry = registry;
        this.topics = catalogue.topics(registry, true);
        Map<String, Object> p = stack.producerProperties();
        p.put("key.serializer", ByteArraySerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        this.producer = new KafkaProducer<>(p);
    }

    /** Waits until every partition of the topics has a leader, so the first sends are not retried. */
    private static void awaitLeaders(EmbeddedStack stack, List<String> names) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                boolean ready = stack.adminClient().describeTopics(names).allTopicNames().get().values().stream()
                        .allMatch(d -> d.partitions().size() == PARTITIONS
                                && d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
                if (ready) {
                    return;
                }
            } catch (Exception e) {
                // not visible yet
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    static synchronized FashionMnist.Split images() throws IOException {
        if (images == null) {
            images = FashionMnist.load(FashionMnist.locate(), "t10k", 2000);
        }
        return images;
    }

    TeacherServiceSettings settings(String teacherId, DeliveryGuarantee guarantee) {
        return new TeacherServiceSettings(stack.bootstrapServers(), Map.of(), catalogue.requests(),
                catalogue.softLabels(), null, catalogue.deadLetters(), catalogue.prefix() + "teacher." + teacherId,
                catalogue.prefix() + "teacher." + teacherId + ".0", guarantee, 16, Duration.ofMillis(5), 1, 512,
                Duration.ofMillis(100), SoftLabelForm.DENSE, 5, 1.0, Duration.ZERO, Duration.ofSeconds(20));
    }

    TeacherCodecs codecs() {
        return TeacherCodecs.of(topics, registry);
    }

    /** Starts a service on a background thread. */
    TeacherService start(TeacherServiceSettings settings, TeacherModel teacher) {
        TeacherService service = new TeacherService(settings, teacher, codecs(),
                new TeacherMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), teacher.id()));
        services.add(service);
        threads.submit(service);
        return service;
    }

    static InferenceRequest request(String id, Tensor input) {
        return InferenceRequest.newBuilder().setRequestId(id).setSourceId("test").setTask("fashion-mnist")
                .setEventTime(Instant.now()).setInput(input).setMetadata(Map.of()).build();
    }

    /** Produces {@code n} valid requests with ids {@code prefix-i} from real test images. */
    List<String> produceRequests(String prefix, int n) throws IOException {
        List<String> ids = new ArrayList<>();
        FashionMnist.Split split = images();
        for (int i = 0; i < n; i++) {
            String id = prefix + "-" + i;
            ids.add(id);
            Tensor input = TensorCodec.encode(split.images()[i % split.size()], 1, 28, 28);
            produceValue(id, topics.requests().serializeValue(request(id, input)));
        }
        producer.flush();
        return ids;
    }

    void produceValue(String key, byte[] value) {
        producer.send(new ProducerRecord<>(catalogue.requests(), topics.requests().serializeKey(key), value));
    }

    void flush() {
        producer.flush();
    }

    private <T> List<T> readAll(String topic, java.util.function.BiFunction<String, byte[], T> decode,
            Predicate<List<T>> done, Duration timeout) {
        return readAll(topic, decode, done, timeout, Duration.ofMillis(1500));
    }

    private <T> List<T> readAll(String topic, java.util.function.BiFunction<String, byte[], T> decode,
            Predicate<List<T>> done, Duration timeout, Duration settleTime) {
        Map<String, Object> p = stack.consumerProperties(EmbeddedStack.uniqueName("reader"));
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        List<T> out = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            consumer.subscribe(List.of(topic));
            while (System.nanoTime() < deadline && !done.test(out)) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    out.add(decode.apply(topic, r.value()));
                }
            }
            // Read a little longer to catch duplicates that would arrive late.
            long settle = System.nanoTime() + settleTime.toNanos();
            while (System.nanoTime() < settle) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    out.add(decode.apply(topic, r.value()));
                }
            }
        }
        return out;
    }

    List<SoftLabel> softLabels(Predicate<List<SoftLabel>> done, Duration timeout) {
        return readAll(catalogue.softLabels(), topics.softLabels().valueDeserializer()::deserialize, done, timeout);
    }

    /** Like {@link #softLabels(Predicate, Duration)} but returns as soon as {@code done} holds. */
    List<SoftLabel> softLabelsNoSettle(Predicate<List<SoftLabel>> done, Duration timeout) {
        return readAll(catalogue.softLabels(), topics.softLabels().valueDeserializer()::deserialize, done, timeout,
                Duration.ZERO);
    }

    List<DeadLetter> deadLetters(Predicate<List<DeadLetter>> done, Duration timeout) {
        return readAll(catalogue.deadLetters(), topics.deadLetters().valueDeserializer()::deserialize, done, timeout);
    }

    List<Prediction> predictions(Predicate<List<Prediction>> done, Duration timeout) {
        return readAll(catalogue.responses(), topics.responses().valueDeserializer()::deserialize, done, timeout);
    }

    @Override
    public void close() {
        services.forEach(TeacherService::stop);
        threads.shutdownNow();
        producer.close();
        registry.close();
    }
}
