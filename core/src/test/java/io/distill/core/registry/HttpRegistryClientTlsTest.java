package io.distill.core.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS settings against an HTTPS server with a self-signed certificate made by keytool. */
class HttpRegistryClientTlsTest {
  @TempDir
  static Path dir;
  static FakeRegistryServer server;
  static Path keystore;
  static Path truststore;

  private static void keytool(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("keytool failed: " + out);
    }
  }

  @BeforeAll
  static void start() throws Exception {
    keystore = dir.resolve("server.p12");
    truststore = dir.resolve("trust.p12");
    Path cert = dir.resolve("server.crt");
    keytool("-genkeypair", "-alias", "registry", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
        "-ext", "SAN=dns:localhost", "-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(),
        "-storepass", "changeit", "-keypass", "changeit");
    keytool("-exportcert", "-alias", "registry", "-keystore", keystore.toString(), "-storepass", "changeit", "-rfc",
        "-file", cert.toString());
    keytool("-importcert", "-noprompt", "-alias", "registry", "-file", cert.toString(), "-storetype", "PKCS12",
        "-keystore", truststore.toString(), "-storepass", "trustpw");

    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      ks.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, "changeit".toCharArray());
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    server = FakeRegistryServer.https(ctx);
    server.on("GET /subjects", 200, "[\"secure-value\"]");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static HttpRegistryClient client(Map<String, String> props) {
    Map<String, String> all = new java.util.HashMap<>(props);
    all.put("url", server.url(""));
    all.put("retry.max.wait.ms", "0");
    return new HttpRegistryClient(RegistryClientConfig.fromProperties(all), ms -> { });
  }

  @Test
  void untrustedCertificateIsAConfigurationErrorNotAnOutage() {
    RegistryException e = assertThrows(RegistryException.class, () -> client(Map.of()).subjects());
    assertFalse(e instanceof RegistryUnavailableException, e.toString());
    assertTrue(e.getMessage().contains("registry.ssl"), e.getMessage());
  }

  @Test
  void trustsTheConfiguredTrustStore() {
    HttpRegistryClient c = client(Map.of("ssl.truststore.location", truststore.toString(), "ssl.truststore.password", "trustpw",
        "ssl.truststore.type", "PKCS12"));
    assertEquals(List.of("secure-value"), c.subjects());
  }

  @Test
  void trustAllAcceptsAnyCertificateWhenAskedTo() {
    assertEquals(List.of("secure-value"), client(Map.of("ssl.trust.all", "true")).subjects());
  }

  @Test
  void unreadableTrustStoreNamesTheKey() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> client(Map.of("ssl.truststore.location", dir.resolve("missing.p12").toString())));
    assertTrue(e.getMessage().contains("registry.ssl.truststore.location"), e.getMessage());
  }
}
