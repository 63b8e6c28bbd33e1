package io.distill.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.registry.RegistryClientConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DistillConfigTest {
  @TempDir
  Path dir;

  private Path file(String content) throws IOException {
    Path p = dir.resolve("distill.properties");
    Files.writeString(p, content);
    return p;
  }

  @Test
  void precedenceIsDefaultsFileEnvironmentOverrides() throws IOException {
    Path f = file("a=file\nb=file\nc=file\n");
    // Builder calls in reverse order: precedence does not depend on it.
    DistillConfig c = DistillConfig.builder()
        .overrides(Map.of("a", "flag"))
        .environment(Map.of("DISTILL_A", "env", "DISTILL_B", "env", "PATH", "/usr/bin"))
        .propertiesFile(f)
        .defaults(Map.of("a", "default", "b", "default", "c", "default", "d", "default"))
        .build();
    assertEquals("flag", c.getString("a"));
    assertEquals("env", c.getString("b"));
    assertEquals("file", c.getString("c"));
    assertEquals("default", c.getString("d"));
    assertEquals(Optional.of(DistillConfig.Source.OVERRIDE), c.source("a"));
    assertEquals(Optional.of(DistillConfig.Source.ENVIRONMENT), c.source("b"));
    assertEquals(Optional.of(DistillConfig.Source.FILE), c.source("c"));
    assertEquals(Optional.of(DistillConfig.Source.DEFAULT), c.source("d"));
    assertFalse(c.contains("path"), "only DISTILL_ variables are read");
  }

  @Test
  void environmentVariablesMapToDottedKeys() {
    assertEquals("kafka.bootstrap.servers", DistillConfig.Builder.environmentKey("DISTILL_KAFKA_BOOTSTRAP_SERVERS"));
    assertEquals("foo.bar", DistillConfig.Builder.environmentKey("DISTILL_FOO_BAR"));
    assertEquals(null, DistillConfig.Builder.environmentKey("HOME"));
    assertEquals(null, DistillConfig.Builder.environmentKey("DISTILL_"));
    DistillConfig c = DistillConfig.builder().environment(Map.of("DISTILL_REGISTRY_URL", " http://sr:8081 ")).build();
    assertEquals("http://sr:8081", c.getString("registry.url"));
  }

  @Test
  void missingFileNamesThePath() {
    ConfigException e = assertThrows(ConfigException.class, () -> DistillConfig.builder().propertiesFile(dir.resolve("nope.properties")));
    assertTrue(e.getMessage().contains("nope.properties"), e.getMessage());
  }

  @Test
  void typedGetters() {
    DistillConfig c = DistillConfig.of(Map.ofEntries(
        Map.entry("i", "42"), Map.entry("l", "10_000_000_000"), Map.entry("d", "0.25"), Map.entry("b", "TRUE"),
        Map.entry("dur.ms", "1500"), Map.entry("dur.s", "30s"), Map.entry("dur.iso", "PT2M"), Map.entry("dur.d", "7d"),
        Map.entry("size", "64KiB"), Map.entry("size.mb", "2MB"), Map.entry("list", "a, b,,c "),
        Map.entry("mode", "full-transitive"), Map.entry("path", "/var/lib/distill")));
    assertEquals(42, c.getInt("i"));
    assertEquals(7, c.getInt("missing", 7));
    assertEquals(10_000_000_000L, c.getLong("l"));
    assertEquals(0.25, c.getDouble("d"));
    assertTrue(c.getBoolean("b"));
    assertEquals(Duration.ofMillis(1500), c.getDuration("dur.ms"));
    assertEquals(Duration.ofSeconds(30), c.getDuration("dur.s"));
    assertEquals(Duration.ofMinutes(2), c.getDuration("dur.iso"));
    assertEquals(Duration.ofDays(7), c.getDuration("dur.d"));
    assertEquals(65536, c.getBytes("size"));
    assertEquals(2_000_000, c.getBytes("size.mb"));
    assertEquals(List.of("a", "b", "c"), c.getList("list"));
    assertEquals(io.distill.core.registry.Compatibility.FULL_TRANSITIVE,
        c.getEnum("mode", io.distill.core.registry.Compatibility.class, io.distill.core.registry.Compatibility.NONE));
    assertEquals(Path.of("/var/lib/distill"), c.getPath("path"));
  }

  @Test
  void validationErrorsNameTheKey() {
    DistillConfig c = DistillConfig.of(Map.of("teacher.batch.size", "big", "trainer.lr", "fast", "serde.auto.register", "yes",
        "topics.retention.ms", "a week", "topics.partitions", "0", "mode", "sideways", "deadletter.max.value.bytes", "lots"));
    Map<String, Runnable> calls = new LinkedHashMap<>();
    calls.put("teacher.batch.size", () -> c.getInt("teacher.batch.size"));
    calls.put("trainer.lr", () -> c.getDouble("trainer.lr"));
    calls.put("serde.auto.register", () -> c.getBoolean("serde.auto.register"));
    calls.put("topics.retention.ms", () -> c.getDuration("topics.retention.ms"));
    calls.put("topics.partitions", () -> c.getInt("topics.partitions", 6, 1, 1000));
    calls.put("mode", () -> c.getEnum("mode", io.distill.core.registry.Compatibility.class, null));
    calls.put("deadletter.max.value.bytes", () -> c.getBytes("deadletter.max.value.bytes"));
    calls.put("required.key", () -> c.getString("required.key"));
    calls.forEach((key, call) -> {
      ConfigException e = assertThrows(ConfigException.class, call::run, key);
      assertEquals(key, e.key());
      assertTrue(e.getMessage().startsWith(key + ": "), e.getMessage());
    });
  }

  @Test
  void secretsAreMaskedInTheDump() {
    Map<String, String> secrets = Map.of(
        "kafka.ssl.truststore.password", "tpw-1",
        "kafka.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"jaas-2\";",
        "kafka.ssl.key.password", "kp-3",
        "registry.basic.auth.user.info", "svc:bai-4",
        "serving.api.token", "tok-5",
        "trainer.aws.secret.access.key", "sec-6");
    Map<String, String> all = new LinkedHashMap<>(secrets);
    all.put("kafka.bootstrap.servers", "broker-1:9093");
    all.put("registry.url", "https://ops:url-7@sr.example.com");
    DistillConfig c = DistillConfig.of(all);
    String dump = c.dump();
    for (String key : secrets.keySet()) {
      assertTrue(DistillConfig.isSecret(key), key);
      assertTrue(dump.contains(key), key);
      assertEquals("****", c.masked().get(key));
    }
    for (String secret : List.of("tpw-1", "jaas-2", "kp-3", "bai-4", "tok-5", "sec-6", "url-7")) {
      assertFalse(dump.contains(secret), "dump leaks " + secret + ":\n" + dump);
      assertFalse(c.toString().contains(secret), "toString leaks " + secret);
    }
    assertTrue(dump.contains("broker-1:9093"));
    assertTrue(dump.contains("https://****@sr.example.com"), dump);
    assertFalse(DistillConfig.isSecret("kafka.sasl.mechanism"));
  }

  @Test
  void configHashIsStableAndIgnoresSecretValues() {
    Map<String, String> a = new LinkedHashMap<>();
    a.put("x", "1");
    a.put("y", "2");
    a.put("kafka.sasl.jaas.config", "password=one");
    Map<String, String> b = new LinkedHashMap<>();
    b.put("kafka.sasl.jaas.config", "password=two");
    b.put("y", "2");
    b.put("x", "1");
    String hash = DistillConfig.of(a).configHash();
    assertTrue(hash.matches("[0-9a-f]{64}"), hash);
    assertEquals(hash, DistillConfig.of(b).configHash(), "order and secret values do not matter");
    assertNotEquals(hash, DistillConfig.of(Map.of("x", "1", "y", "3", "kafka.sasl.jaas.config", "p")).configHash());
    assertTrue(DistillConfig.of(a).dump().contains(hash.substring(0, 12)));
  }

  @Test
  void kafkaPropertiesPassThrough() {
    DistillConfig c = DistillConfig.builder().environment(Map.of(
        "DISTILL_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
        "DISTILL_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512"))
        .overrides(Map.of("kafka.bootstrap.servers", "b1:9093,b2:9093", "registry.url", "http://sr:8081", "kafkaesque", "no"))
        .build();
    Map<String, Object> props = c.kafkaProperties(Map.of("group.id", "teacher-resnet"));
    assertEquals(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512",
        "bootstrap.servers", "b1:9093,b2:9093", "group.id", "teacher-resnet"), props);
  }

  @Test
  void registryKeysConfigureTheRegistryClient() {
    DistillConfig c = DistillConfig.of(Map.of("registry.url", "https://sr:8081", "registry.basic.auth.user.info", "u:p",
        "registry.ssl.truststore.location", "/etc/trust.p12", "registry.retry.max.wait.ms", "5000"));
    RegistryClientConfig r = c.registryClientConfig();
    assertEquals("https://sr:8081", r.urls().get(0).toString());
    assertEquals("u:p", r.basicAuthUserInfo());
    assertEquals(Path.of("/etc/trust.p12"), r.truststoreLocation());
    assertEquals(Duration.ofSeconds(5), r.retryMaxWait());

    ConfigException e = assertThrows(ConfigException.class, () -> DistillConfig.of(Map.of()).registryClientConfig());
    assertEquals("registry.url", e.key());
  }

  @Test
  void withAddsOverrides() {
    DistillConfig c = DistillConfig.of(Map.of("a", "1")).with(Map.of("a", "2", "b", "3"));
    assertEquals("2", c.getString("a"));
    assertEquals("3", c.getString("b"));
  }
}
