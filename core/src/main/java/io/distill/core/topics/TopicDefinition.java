package io.distill.core.topics;

import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.NewTopic;

/** How one topic is created: name, partitions, replication factor and topic configs. */
public record TopicDefinition(DistillTopic topic, String name, int partitions, short replicationFactor, Map<String, String> configs) {
  public TopicDefinition {
    configs = Map.copyOf(configs);
    if (partitions < 1) {
      throw new IllegalArgumentException(name + ": partitions must be at least 1");
    }
    if (replicationFactor < 1) {
      throw new IllegalArgumentException(name + ": replication factor must be at least 1");
    }
  }

  public NewTopic newTopic() {
    return new NewTopic(name, Optional.of(partitions), Optional.of(replicationFactor)).configs(configs);
  }
}
