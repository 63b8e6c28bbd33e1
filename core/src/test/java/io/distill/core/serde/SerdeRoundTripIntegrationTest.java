package io.distill.core.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.registry.HttpRegistryClient;
import io.distill.core.testing.Samples;
import io.distill.core.testing.Topics;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.junit.IntegrationTest;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every record type of the contracts through the real broker and the real schema registry. */
@IntegrationTest
class SerdeRoundTripIntegrationTest {
  private final EmbeddedStack stack;

  SerdeRoundTripIntegrationTest(EmbeddedStack stack) {
    this.stack = stack;
  }

  static List<Class<? extends SpecificRecord>> recordClasses() {
    return new ArrayList<>(Samples.all().keySet());
  }

  @ParameterizedTest
  @MethodSource("recordClasses")
  <T extends SpecificRecord> void roundTripsThroughBrokerAndRegistry(Class<T> type) {
    @SuppressWarnings("unchecked")
    T value = (T) Samples.all().get(type);
    String topic = stack.createUniqueTopic("serde-" + type.getSimpleName(), 1);

    HttpRegistryClient producerSide = HttpRegistryClient.create(stack.registryUrl());
    AvroSerde<T> writer = DistillSerdes.of(type, producerSide, false);
    try (KafkaProducer<String, T> producer = new KafkaProducer<>(stack.producerProperties(), new StringSerializer(), writer.serializer())) {
      producer.send(new ProducerRecord<>(topic, "key-1", value));
      producer.flush();
    }

    // A fresh client on the consumer side: the writer schema really comes from GET /schemas/ids/{id}.
    HttpRegistryClient consumerSide = HttpRegistryClient.create(stack.registryUrl());
    List<ConsumerRecord<String, T>> records = Topics.read(stack.bootstrapServers(), topic, 1, new StringDeserializer(),
        DistillSerdes.of(type, consumerSide, false).deserializer());
    assertEquals(1, records.size());
    assertEquals("key-1", records.get(0).key());
    assertEquals(value, records.get(0).value());

    List<ConsumerRecord<byte[], byte[]>> raw = Topics.read(stack.bootstrapServers(), topic, 1, new ByteArrayDeserializer(),
        new ByteArrayDeserializer());
    int id = WireFormat.schemaId(raw.get(0).value());
    assertEquals(id, consumerSide.lookup(topic + "-value", writer.schema()).orElseThrow().id());
    assertEquals(SchemaNormalization.parsingFingerprint64(writer.schema()),
        SchemaNormalization.parsingFingerprint64(consumerSide.schemaById(id)));
    assertTrue(consumerSide.subjects().contains(topic + "-value"));
  }
}
