package io.distill.core.testing;

import io.distill.schema.DeadLetter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The dead letters on a dead-letter topic, read from the beginning ({@code read_committed}), with counts by reason
 * code and the reason of each original key: what the hostile-input tests assert on.
 */
public final class DeadLetterTally {

    private final List<DeadLetter> letters;

    private DeadLetterTally(List<DeadLetter> letters) {
        this.letters = List.copyOf(letters);
    }

    /**
     * Reads {@code topic} until {@code done} holds for the letters read so far (or {@code timeout} passes), then for
     * {@code settle} longer to catch letters that should not be there.
     */
    public static DeadLetterTally read(Map<String, Object> clientProperties, String topic,
            Deserializer<DeadLetter> deserializer, Predicate<DeadLetterTally> done, Duration timeout, Duration settle) {
        Map<String, Object> props = new HashMap<>(clientProperties);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        List<DeadLetter> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline && !done.test(new DeadLetterTally(out))) {
                poll(consumer, topic, deserializer, out);
            }
            long until = System.nanoTime() + settle.toNanos();
            while (System.nanoTime() < until) {
                poll(consumer, topic, deserializer, out);
            }
        }
        return new DeadLetterTally(out);
    }

    private static void poll(KafkaConsumer<byte[], byte[]> consumer, String topic, Deserializer<DeadLetter> d,
            List<DeadLetter> out) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            out.add(d.deserialize(topic, r.value()));
        }
    }

    public List<DeadLetter> letters() {
        return letters;
    }

    public int size() {
        return letters.size();
    }

    /** Letters whose original key starts with {@code prefix}. */
    public DeadLetterTally withKeyPrefix(String prefix) {
        return new DeadLetterTally(letters.stream().filter(l -> key(l).startsWith(prefix)).toList());
    }

    /** Count of letters by reason code. */
    public Map<String, Long> countsByReason() {
        Map<String, Long> counts = new TreeMap<>();
        letters.forEach(l -> counts.merge(l.getReasonCode(), 1L, Long::sum));
        return counts;
    }

    /** The reason code of each original key (a key dead-lettered twice maps to both codes joined by '+'). */
    public Map<String, String> reasonByKey() {
        Map<String, String> reasons = new TreeMap<>();
        letters.forEach(l -> reasons.merge(key(l), l.getReasonCode(), (a, b) -> a + "+" + b));
        return reasons;
    }

    /** The dead letter of an original key, if there is exactly one. */
    public DeadLetter of(String key) {
        List<DeadLetter> found = letters.stream().filter(l -> key(l).equals(key)).toList();
        if (found.size() != 1) {
            throw new AssertionError(found.size() + " dead letters for key " + key + ": " + reasonByKey());
        }
        return found.get(0);
    }

    public static String key(DeadLetter letter) {
        if (letter.getKey() == null) {
            return "";
        }
        ByteBuffer b = letter.getKey().duplicate();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
