package io.distill.core.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.config.DistillConfig;
import io.distill.core.serde.AvroSerde;
import io.distill.core.serde.DistillSerdes;
import io.distill.core.testing.Samples;
import io.distill.schema.InferenceRequest;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.junit.IntegrationTest;
import io.distill.stack.security.CertificateAuthority;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry client's basic authentication and TLS against an endpoint that enforces them: a TLS proxy demanding
 * Basic credentials in front of the real registry.
 */
@IntegrationTest
class RegistryAuthIntegrationTest {
  private static final String USER = "distill-svc";
  private static final String PASSWORD = "registry-pw-" + Long.toHexString(System.nanoTime());

  @TempDir
  static Path dir;
  static CertificateAuthority ca;
  static BasicAuthTlsProxy proxy;

  @BeforeAll
  static void start(EmbeddedStack stack) throws Exception {
    ca = CertificateAuthority.create(dir.resolve("tls"));
    proxy = new BasicAuthTlsProxy(ca.issueServer("registry"), stack.registryUrl(), USER, PASSWORD);
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
  }

  /** The client as a service builds it from its registry.* configuration. */
  private static HttpRegistryClient client(String userInfo, boolean trustCa) {
    Map<String, String> c = new HashMap<>();
    c.put("registry.url", proxy.url());
    c.put("registry.retry.max.wait.ms", "2000");
    if (userInfo != null) {
      c.put("registry.basic.auth.user.info", userInfo);
    }
    if (trustCa) {
      c.put("registry.ssl.truststore.location", ca.truststore().toString());
      c.put("registry.ssl.truststore.password", ca.truststorePassword());
      c.put("registry.ssl.truststore.type", "PKCS12");
    }
    return new HttpRegistryClient(DistillConfig.of(c).registryClientConfig());
  }

  @Test
  void correctCredentialsRegisterAndFetchThroughTheSerde() {
    String topic = EmbeddedStack.uniqueName("secured-serde");
    InferenceRequest value = (InferenceRequest) Samples.all().get(InferenceRequest.class);
    int before = proxy.forwarded.get();

    AvroSerde<InferenceRequest> writer = DistillSerdes.of(InferenceRequest.class, client(USER + ":" + PASSWORD, true), false);
    byte[] bytes = writer.serializer().serialize(topic, value);
    // A fresh client has no cached schema: the reader fetches the writer schema by id through the proxy.
    AvroSerde<InferenceRequest> reader = DistillSerdes.of(InferenceRequest.class, client(USER + ":" + PASSWORD, true), false);
    assertEquals(value, reader.deserializer().deserialize(topic, bytes));
    assertTrue(proxy.forwarded.get() - before >= 2, "register and fetch went through the proxy");
  }

  @Test
  void wrongCredentialsAreAClearAuthenticationErrorAndNotRetried() {
    HttpRegistryClient wrong = client(USER + ":not-the-password", true);
    int before = proxy.refused.get();
    RegistryAuthenticationException e = assertThrows(RegistryAuthenticationException.class, wrong::subjects);
    assertEquals(401, e.httpStatus());
    assertTrue(e.getMessage().contains("refused the configured credentials"), e.getMessage());
    assertTrue(e.getMessage().contains("registry.basic.auth.user.info"), e.getMessage());
    assertFalse(e.getMessage().contains("not-the-password"), "the message never carries the password");
    assertEquals(1, proxy.refused.get() - before, "an authentication failure is not retried");

    RegistryAuthenticationException none = assertThrows(RegistryAuthenticationException.class, () -> client(null, true).subjects());
    assertTrue(none.getMessage().contains("none are configured"), none.getMessage());
  }

  @Test
  void anUntrustedCertificateIsRefused() {
    int before = proxy.forwarded.get() + proxy.refused.get();
    RegistryException e = assertThrows(RegistryException.class, () -> client(USER + ":" + PASSWORD, false).subjects());
    assertFalse(e instanceof RegistryUnavailableException, "a TLS failure is a configuration error, not an outage");
    assertTrue(e.getMessage().contains("TLS") && e.getMessage().contains("registry.ssl"), e.getMessage());
    assertInstanceOf(javax.net.ssl.SSLException.class, e.getCause(), String.valueOf(e.getCause()));
    assertEquals(before, proxy.forwarded.get() + proxy.refused.get(), "no request got past the handshake");
  }
}
