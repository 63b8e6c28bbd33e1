package io.distill.topology.testkit;

import io.distill.stack.EmbeddedStack;
import io.distill.topology.config.TopologyConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Topics, producers and read_committed readers of one topology test on the real broker. */
public final class StackTopics {

    private StackTopics() {}

    /** A configuration with its own topic prefix and application id; the topics created with {@code partitions}. */
    public static TopologyConfig create(EmbeddedStack stack, int partitions, Map<String, String> settings) {
        String prefix = EmbeddedStack.uniqueName("t") + ".";
        Map<String, String> all = new HashMap<>();
        all.put("topics.prefix", prefix);
        all.put("application.id", prefix + "app");
        all.put("bootstrap.servers", stack.bootstrapServers());
        all.put("registry.url", stack.registryUrl());
        all.put("metrics.port", "0");
        all.put("metrics.host", "127.0.0.1");
        all.put("kafka.commit.interval.ms", "100");
        all.put("kafka.cache.max.bytes.buffering", "0");
        all.put("punctuate.interval.ms", "200");
        all.putAll(settings);
        TopologyConfig config = TopologyConfig.from(all);
        for (String topic : List.of(config.requestsTopic(), config.softLabelsTopic(), config.groundTruthTopic(),
                config.examplesTopic(), config.holdoutTopic(), config.deadLettersTopic())) {
            stack.createTopic(topic, partitions);
        }
        return config;
    }

    public static KafkaProducer<String, byte[]> producer(EmbeddedStack stack) {
        Map<String, Object> props = new HashMap<>(stack.producerProperties());
        props.put("linger.ms", 5);
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    public static void send(KafkaProducer<String, byte[]> producer, String topic, String key, byte[] value) {
        producer.send(new ProducerRecord<>(topic, key, value));
    }

    /** Reads a topic from the beginning (read_committed) until {@code done} holds or the timeout passes. */
    public static List<ConsumerRecord<String, byte[]>> readUntil(EmbeddedStack stack, List<String> topics,
            Predicate<List<ConsumerRecord<String, byte[]>>> done, Duration timeout) {
        Map<String, Object> props = new HashMap<>(stack.consumerProperties(EmbeddedStack.uniqueName("reader")));
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(topics);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline && !done.test(out)) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }
}
