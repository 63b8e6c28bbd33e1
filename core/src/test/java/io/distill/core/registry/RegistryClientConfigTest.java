package io.distill.core.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RegistryClientConfigTest {

  @Test
  void readsEveryKey() {
    RegistryClientConfig c = RegistryClientConfig.fromProperties(Map.ofEntries(
        Map.entry("url", "https://sr-1:8081/, https://sr-2:8081"),
        Map.entry("basic.auth.user.info", "svc:pw"),
        Map.entry("ssl.truststore.location", "/etc/ssl/trust.p12"),
        Map.entry("ssl.truststore.password", "tpw"),
        Map.entry("ssl.keystore.location", "/etc/ssl/me.p12"),
        Map.entry("ssl.keystore.password", "kpw"),
        Map.entry("ssl.key.password", "keypw"),
        Map.entry("connect.timeout.ms", "1500"),
        Map.entry("request.timeout.ms", "2500"),
        Map.entry("retry.backoff.ms", "50"),
        Map.entry("retry.backoff.max.ms", "800"),
        Map.entry("retry.max.wait.ms", "60000")));
    assertEquals(List.of(URI.create("https://sr-1:8081"), URI.create("https://sr-2:8081")), c.urls());
    assertEquals("svc:pw", c.basicAuthUserInfo());
    assertEquals(Path.of("/etc/ssl/trust.p12"), c.truststoreLocation());
    assertEquals("tpw", c.truststorePassword());
    assertEquals(Path.of("/etc/ssl/me.p12"), c.keystoreLocation());
    assertEquals("keypw", c.keyPassword());
    assertFalse(c.trustAll());
    assertEquals(Duration.ofMillis(1500), c.connectTimeout());
    assertEquals(Duration.ofMillis(2500), c.requestTimeout());
    assertEquals(Duration.ofMillis(50), c.retryBackoff());
    assertEquals(Duration.ofMillis(800), c.retryBackoffMax());
    assertEquals(Duration.ofMinutes(1), c.retryMaxWait());
    assertTrue(c.usesTls());
  }

  @Test
  void defaults() {
    RegistryClientConfig c = RegistryClientConfig.builder("http://localhost:8081").build();
    assertFalse(c.trustAll());
    assertNull(c.basicAuthUserInfo());
    assertEquals(Duration.ofSeconds(30), c.retryMaxWait());
    assertFalse(c.usesTls());
  }

  @Test
  void errorsNameTheKey() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> RegistryClientConfig.fromProperties(Map.of()))
        .getMessage().startsWith("registry.url"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> RegistryClientConfig.fromProperties(Map.of("url", "ftp://x"))).getMessage().startsWith("registry.url"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> RegistryClientConfig.fromProperties(Map.of("url", "http://x", "retry.max.wait.ms", "soon")))
        .getMessage().startsWith("registry.retry.max.wait.ms"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> RegistryClientConfig.fromProperties(Map.of("url", "http://x", "ssl.trust.all", "yes")))
        .getMessage().startsWith("registry.ssl.trust.all"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> RegistryClientConfig.fromProperties(Map.of("url", "http://x", "basic.auth.user.info", "nocolon")))
        .getMessage().startsWith("registry.basic.auth.user.info"));
  }

  @Test
  void userInfoInTheUrlBecomesBasicAuthAndIsNeverPrinted() {
    RegistryClientConfig c = RegistryClientConfig.builder("https://svc:hunter2@sr.example.com/apis/ccompat/v7").build();
    assertEquals("svc:hunter2", c.basicAuthUserInfo());
    assertEquals(URI.create("https://sr.example.com/apis/ccompat/v7"), c.urls().get(0));
    assertFalse(c.toString().contains("hunter2"), c.toString());
  }
}
