package io.distill.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.topology.config.TopologyConfig;
import io.distill.topology.metrics.TopologyMetrics;
import io.distill.topology.testkit.TopologyHarness;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.kstream.Consumed;
import org.junit.jupiter.api.Test;

class TopologyShapeTest {

    private final TopologyConfig config = TopologyConfig.from(Map.of("teachers", "cnn-a,cnn-b"));

    @Test
    void oneSubTopologyWithExplicitNamesAndNoRepartition() {
        var topology = DistillTopology.build(config, TopologyHarness.testSerdes(), TopologyMetrics.inMemory());
        TopologyDescription description = topology.describe();
        assertEquals(1, description.subtopologies().size(), description.toString());
        String text = description.toString();
        assertFalse(text.contains("KSTREAM-") || text.contains("KTABLE-"), "no generated names: " + text);
        assertFalse(text.contains("repartition"), text);
        for (String store : new String[] {DistillTopology.PENDING_STORE, DistillTopology.DECIDED_STORE,
                DistillTopology.DISPOSITIONS_STORE, DistillTopology.SAMPLING_STORE}) {
            assertTrue(text.contains(store), store);
        }
    }

    @Test
    void exactlyOnceAndExplicitNamingAreSet() {
        Properties props = DistillTopology.streamsProperties(config.with("kafka.commit.interval.ms", "50"));
        assertEquals("exactly_once_v2", props.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
        assertEquals("true", props.get(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG));
        assertEquals("50", props.get("commit.interval.ms"));
    }

    @Test
    void anUnnamedDslPartInTheSameBuilderIsRefused() {
        StreamsBuilder builder = DistillTopology.newBuilder(config);
        builder.stream("other", Consumed.with(org.apache.kafka.common.serialization.Serdes.String(),
                org.apache.kafka.common.serialization.Serdes.String())).groupByKey().count();
        assertThrows(RuntimeException.class, () -> DistillTopology.build(builder, config, TopologyHarness.testSerdes(),
                TopologyMetrics.inMemory()));
    }
}
