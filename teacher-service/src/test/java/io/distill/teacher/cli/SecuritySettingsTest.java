package io.distill.teacher.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.config.DistillConfig;
import io.distill.core.topics.TopicCatalogue;
import io.distill.teacher.service.TeacherServiceSettings;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The kafka.* security settings reach the teacher's clients and never its printed settings. */
class SecuritySettingsTest {

    @Test
    void securitySettingsReachTheClientsButNotTheirDescription() {
        String jaas = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"t\" password=\"jaas-pw-1\";";
        DistillConfig config = DistillConfig.builder().defaults(TeacherConfig.defaults()).overrides(Map.of(
                "kafka.bootstrap.servers", "broker:9093",
                "kafka.security.protocol", "SASL_SSL",
                "kafka.sasl.mechanism", "SCRAM-SHA-512",
                "kafka.sasl.jaas.config", jaas,
                "kafka.ssl.truststore.location", "/etc/trust.p12",
                "kafka.ssl.truststore.password", "trust-pw-2")).build();
        TeacherServiceSettings settings = TeacherConfig.settings(config, TopicCatalogue.fromConfig(config), "cnn-a");
        assertEquals("broker:9093", settings.bootstrapServers());
        assertEquals("SASL_SSL", settings.kafkaProperties().get("security.protocol"));
        assertEquals(jaas, settings.kafkaProperties().get("sasl.jaas.config"));
        assertEquals("trust-pw-2", settings.kafkaProperties().get("ssl.truststore.password"));
        String printed = settings.toString();
        assertFalse(printed.contains("jaas-pw-1") || printed.contains("trust-pw-2"), printed);
        assertTrue(printed.contains("security.protocol=SASL_SSL"), printed);
    }
}
