package io.distill.core.topics;

import java.util.Objects;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** A topic name with the serdes of its keys and values, passed around as one value. */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde) {
  public Topic {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(keySerde, "keySerde");
    Objects.requireNonNull(valueSerde, "valueSerde");
  }

  public ProducerRecord<K, V> record(K key, V value) {
    return new ProducerRecord<>(name, key, value);
  }

  public Serializer<K> keySerializer() {
    return keySerde.serializer();
  }

  public Deserializer<K> keyDeserializer() {
    return keySerde.deserializer();
  }

  public Serializer<V> valueSerializer() {
    return valueSerde.serializer();
  }

  public Deserializer<V> valueDeserializer() {
    return valueSerde.deserializer();
  }

  /** The value as bytes for this topic (e.g. for a {@code byte[]} producer). */
  public byte[] serializeValue(V value) {
    return valueSerde.serializer().serialize(name, value);
  }

  /** The key as bytes for this topic. */
  public byte[] serializeKey(K key) {
    return keySerde.serializer().serialize(name, key);
  }

  @Override
  public String toString() {
    return name;
  }
}
