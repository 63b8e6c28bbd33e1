package io.distill.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.stack.junit.IntegrationTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

@IntegrationTest
class KafkaRoundTripTest {

    @Test
    void transactionalProducerAndReadCommittedConsumer(EmbeddedStack stack) {
        String topic = stack.createUniqueTopic("tx", 2);

        Map<String, Object> producerProps = stack.producerProperties();
        producerProps.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, stack.uniqueTopic("tx-producer"));
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(producerProps, new StringSerializer(), new StringSerializer())) {
            producer.initTransactions();

            producer.beginTransaction();
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "committed-" + i));
            }
            producer.commitTransaction();

            producer.beginTransaction();
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "aborted-" + i));
            }
            producer.flush();
            producer.abortTransaction();

            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "last", "committed-last"));
            producer.commitTransaction();
        }

        Map<String, Object> consumerProps = stack.consumerProperties(stack.uniqueTopic("tx-reader"));
        consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<String, String>> records =
                TestClients.consume(consumerProps, topic, 11, Duration.ofSeconds(30));

        assertEquals(11, records.size(), "committed records: " + records);
        assertTrue(records.stream().noneMatch(r -> r.value().startsWith("aborted")), "aborted records are invisible");
        assertTrue(records.stream().anyMatch(r -> r.value().equals("committed-last")));
    }

    @Test
    void readUncommittedSeesAbortedRecords(EmbeddedStack stack) {
        String topic = stack.createUniqueTopic("tx-uncommitted", 1);
        Map<String, Object> producerProps = stack.producerProperties();
        producerProps.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, stack.uniqueTopic("tx-producer"));
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(producerProps, new StringSerializer(), new StringSerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "a", "aborted"));
            producer.flush();
            producer.abortTransaction();
        }
        Map<String, Object> consumerProps = stack.consumerProperties(stack.uniqueTopic("reader"));
        consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        List<ConsumerRecord<String, String>> records =
                TestClients.consume(consumerProps, topic, 1, Duration.ofSeconds(20));
        assertEquals(List.of("aborted"), records.stream().map(ConsumerRecord::value).toList());
    }
}
