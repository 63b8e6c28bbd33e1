package io.distill.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.softtarget.EnsembleWeighting;
import io.distill.topology.config.TopologyConfig;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TopologyConfigTest {

    @Test
    void readsTeachersWeightsAndPolicies() {
        TopologyConfig c = TopologyConfig.from(Map.of("teachers", "cnn-a, cnn-b", "teacher.cnn-a.weight", "2.5",
                "ensemble.mode", "CONFIDENCE", "allowlist.metadata", "locale,device", "topics.prefix", "x."));
        assertEquals(List.of("cnn-a", "cnn-b"), c.teachers());
        assertEquals(2.5, c.teacherWeight("cnn-a"));
        assertEquals(1.0, c.teacherWeight("cnn-b"));
        assertEquals(EnsembleWeighting.CONFIDENCE, c.ensembleWeighting());
        assertEquals(Set.of("locale", "device"), c.metadataAllowList());
        assertEquals("x.requests", c.requestsTopic());
        assertEquals(0.1, c.holdoutFraction());
        assertEquals(c.labelsWindowMs(), c.orphanRetentionMs());
    }

    @Test
    void refusesInvalidValues() {
        assertThrows(IllegalArgumentException.class, () -> TopologyConfig.from(Map.of("holdout.fraction", "1.5")));
        assertThrows(IllegalArgumentException.class, () -> TopologyConfig.from(Map.of("ensemble.mode", "average")));
        assertThrows(IllegalArgumentException.class, () -> TopologyConfig.from(Map.of("ensemble.timeout.ms", "0")));
        assertThrows(IllegalArgumentException.class, () -> TopologyConfig.from(Map.of("teachers", "a", "teacher.a.weight", "-1")));
        assertThrows(IllegalArgumentException.class, () -> TopologyConfig.from(Map.of("rate.limit.per.s", "x")));
    }

    @Test
    void masksSecretsInTheDescription() {
        String text = TopologyConfig.from(Map.of("kafka.sasl.jaas.config", "hunter2", "teachers", "a",
                "registry.basic.auth.user.info", "svc:reg-pw", "kafka.ssl.keystore.password", "ks-pw")).describe();
        assertFalse(text.contains("hunter2") || text.contains("reg-pw") || text.contains("ks-pw"), text);
        assertTrue(text.contains("kafka.sasl.jaas.config=****"), text);
        assertTrue(text.contains("teachers=a"), text);
    }
}
