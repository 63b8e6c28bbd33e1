package io.distill.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StackMainTest {

    @Test
    void parsesArguments() {
        StackOptions o = StackMain.parse(new String[] {
            "--work-dir", "/tmp/x", "--kafka-port=9092", "--controller-port", "9093", "--registry-port", "8085",
            "--kafka-mode", "process", "--no-registry", "--broker-property", "log.retention.ms=1000",
            "--start-timeout=30"
        });
        assertEquals(Path.of("/tmp/x"), o.workDir().orElseThrow());
        assertEquals(9092, o.kafkaPort());
        assertEquals(9093, o.controllerPort());
        assertEquals(8085, o.registryPort());
        assertEquals(KafkaMode.PROCESS, o.kafkaMode());
        assertFalse(o.registryEnabled());
        assertEquals(Map.of("log.retention.ms", "1000"), o.brokerProperties());
        assertEquals(Duration.ofSeconds(30), o.startTimeout());
        assertFalse(o.deleteWorkDirOnClose(), "a named work directory is kept");
    }

    @Test
    void defaultsAndHelp() {
        StackOptions o = StackMain.parse(new String[0]);
        assertEquals(KafkaMode.IN_PROCESS, o.kafkaMode());
        assertEquals(0, o.kafkaPort());
        assertNull(StackMain.parse(new String[] {"--help"}));
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> StackMain.parse(new String[] {"--kafka-port"}));
        assertThrows(IllegalArgumentException.class, () -> StackMain.parse(new String[] {"--kafka-port", "x"}));
        assertThrows(IllegalArgumentException.class, () -> StackMain.parse(new String[] {"--kafka-mode", "docker"}));
        assertThrows(IllegalArgumentException.class, () -> StackMain.parse(new String[] {"--what"}));
        assertThrows(IllegalArgumentException.class,
                () -> StackMain.parse(new String[] {"--broker-property", "novalue"}));
    }

    @Test
    void listenerValidation() {
        assertThrows(IllegalArgumentException.class, () -> Listener.of("PLAINTEXT", 0), "reserved name");
        assertThrows(IllegalArgumentException.class, () -> new Listener("X", "HTTP", 0));
        assertEquals("SASL_SSL", Listener.of("sasl_ssl", 0).name());
    }
}
