package io.distill.core.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.distill.core.testing.LogCapture;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HttpRegistryClientTest {
  private static final String BASE = "/apis/ccompat/v7";
  private static final Schema SCHEMA = SchemaBuilder.record("A").namespace("t").fields().requiredInt("x").endRecord();
  private static final ObjectMapper JSON = new ObjectMapper();

  private final FakeRegistryServer server;
  private final List<Long> sleeps = new ArrayList<>();

  HttpRegistryClientTest() throws IOException {
    server = new FakeRegistryServer();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpRegistryClient client(RegistryClientConfig.Builder b) {
    return new HttpRegistryClient(b.build(), sleeps::add);
  }

  private HttpRegistryClient client() {
    return client(RegistryClientConfig.builder(server.url(BASE)).retryBackoff(Duration.ofMillis(100))
        .retryBackoffMax(Duration.ofMillis(400)).retryMaxWait(Duration.ofMillis(1000)));
  }

  private static String schemaJson(Schema s) throws IOException {
    return JSON.createObjectNode().put("schema", s.toString()).toString();
  }

  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void registersWithTheDocumentedRequestAndCachesTheId() throws IOException {
    server.on("POST " + BASE + "/subjects/distill.requests-value/versions", 200, "{\"id\":21}");
    HttpRegistryClient c = client();
    assertEquals(21, c.register("distill.requests-value", SCHEMA));
    assertEquals(21, c.register("distill.requests-value", SCHEMA));

    List<FakeRegistryServer.Request> sent = server.requestsTo("POST " + BASE + "/subjects/distill.requests-value/versions");
    assertEquals(1, sent.size(), "second registration is served from the cache");
    assertEquals("application/vnd.schemaregistry.v1+json", sent.get(0).header("Content-Type"));
    assertEquals(SCHEMA, new Schema.Parser().parse(JSON.readTree(sent.get(0).body()).get("schema").asText()));
    // The registered schema is known by id without asking again.
    assertEquals(SCHEMA, c.schemaById(21));
    assertTrue(server.requestsTo("GET " + BASE + "/schemas/ids/21").isEmpty());
  }

  @Test
  void fetchesASchemaByIdOnce() throws IOException {
    server.on("GET " + BASE + "/schemas/ids/5", 200, schemaJson(SCHEMA));
    HttpRegistryClient c = client();
    assertEquals(SCHEMA, c.schemaById(5));
    assertEquals(SCHEMA, c.schemaById(5));
    assertEquals(1, server.requestsTo("GET " + BASE + "/schemas/ids/5").size());
  }

  @Test
  void unknownIdIsSchemaNotFound() {
    server.on("GET " + BASE + "/schemas/ids/99", 404, "{\"error_code\":40403,\"message\":\"Schema not found\"}");
    SchemaNotFoundException e = assertThrows(SchemaNotFoundException.class, () -> client().schemaById(99));
    assertEquals(99, e.schemaId());
    assertEquals(40403, e.errorCode());
    assertEquals(404, e.httpStatus());
  }

  @Test
  void conflictIsIncompatibleWhateverTheErrorCode() {
    // Apicurio answers error_code 0, Confluent 409: only the HTTP status counts.
    server.on("POST " + BASE + "/subjects/s/versions", 409, "{\"error_code\":0,\"message\":\"Incompatible artifact\"}");
    IncompatibleSchemaException e = assertThrows(IncompatibleSchemaException.class, () -> client().register("s", SCHEMA));
    assertEquals("s", e.subject());
    assertEquals(0, e.errorCode());
    assertTrue(e.getMessage().contains("Incompatible artifact"), e.getMessage());
  }

  @Test
  void invalidSchemaIs422() {
    server.on("POST " + BASE + "/subjects/s/versions", 422, "{\"error_code\":42201,\"message\":\"Invalid schema\"}");
    assertEquals(42201, assertThrows(InvalidSchemaException.class, () -> client().register("s", SCHEMA)).errorCode());
  }

  @Test
  void nonAvroSchemaIsRefused() {
    server.on("GET " + BASE + "/schemas/ids/7", 200, "{\"schema\":\"syntax = \\\"proto3\\\";\",\"schemaType\":\"PROTOBUF\"}");
    InvalidSchemaException e = assertThrows(InvalidSchemaException.class, () -> client().schemaById(7));
    assertTrue(e.getMessage().contains("PROTOBUF"), e.getMessage());
  }

  @Test
  void looksUpLatestTestsAndConfigures() throws IOException {
    String registered = JSON.createObjectNode().put("subject", "s").put("id", 3).put("version", 2).put("schema", SCHEMA.toString()).toString();
    server.on("POST " + BASE + "/subjects/s", 200, registered)
        .on("POST " + BASE + "/subjects/other", 404, "{\"error_code\":40401,\"message\":\"Subject not found\"}")
        .on("GET " + BASE + "/subjects/s/versions/latest", 200, registered)
        .on("GET " + BASE + "/subjects/none/versions/latest", 404, "{\"error_code\":40402,\"message\":\"no version\"}")
        .on("POST " + BASE + "/compatibility/subjects/s/versions/latest", 200, "{\"is_compatible\":false}")
        .on("POST " + BASE + "/compatibility/subjects/none/versions/latest", 404, "{\"error_code\":40401}")
        .on("PUT " + BASE + "/config/s", 200, "{\"compatibility\":\"FULL_TRANSITIVE\"}")
        .on("GET " + BASE + "/config/s", 200, "{\"compatibilityLevel\":\"FULL_TRANSITIVE\"}")
        .on("GET " + BASE + "/config/none", 404, "{\"error_code\":40408}")
        .on("GET " + BASE + "/subjects", 200, "[\"s\",\"t-value\"]");
    HttpRegistryClient c = client();

    assertEquals(Optional.of(new RegisteredSchema("s", 3, 2, SCHEMA)), c.lookup("s", SCHEMA));
    assertEquals(Optional.empty(), c.lookup("other", SCHEMA));
    assertEquals(new RegisteredSchema("s", 3, 2, SCHEMA), c.latest("s"));
    assertThrows(SubjectNotFoundException.class, () -> c.latest("none"));
    assertFalse(c.isCompatible("s", SCHEMA));
    assertTrue(c.isCompatible("none", SCHEMA), "a subject without versions accepts anything");
    c.setCompatibility("s", Compatibility.FULL_TRANSITIVE);
    assertEquals("FULL_TRANSITIVE", JSON.readTree(server.requestsTo("PUT " + BASE + "/config/s").get(0).body()).get("compatibility").asText());
    assertEquals(Optional.of(Compatibility.FULL_TRANSITIVE), c.compatibility("s"));
    assertEquals(Optional.empty(), c.compatibility("none"));
    assertEquals(List.of("s", "t-value"), c.subjects());
  }

  @Test
  void encodesSubjectsInPaths() {
    server.on("POST " + BASE + "/subjects/a%20b%2Fc-value/versions", 200, "{\"id\":1}");
    assertEquals(1, client().register("a b/c-value", SCHEMA));
  }

  @Test
  void retriesServerErrorsWithExponentialBackoffAndWarns() {
    server.on("GET " + BASE + "/schemas/ids/1", 503, "{\"message\":\"starting\"}")
        .on("GET " + BASE + "/schemas/ids/1", 500, "oops")
        .on("GET " + BASE + "/schemas/ids/1", 200, "{\"schema\":" + JSON.valueToTree(SCHEMA.toString()) + "}");
    try (LogCapture log = new LogCapture(HttpRegistryClient.class)) {
      assertEquals(SCHEMA, client().schemaById(1));
      assertEquals(List.of(100L, 200L), sleeps);
      List<String> warnings = log.messages("WARN");
      assertEquals(2, warnings.size());
      assertTrue(warnings.get(0).startsWith("schema registry at " + server.url(BASE) + " unreachable, retrying in 100 ms"), warnings.get(0));
      assertTrue(warnings.get(1).contains("retrying in 200 ms"), warnings.get(1));
    }
  }

  @Test
  void givesUpAfterTheMaximumWait() {
    server.on("GET " + BASE + "/subjects", 500, "down");
    RegistryUnavailableException e = assertThrows(RegistryUnavailableException.class, () -> client().subjects());
    // 100 + 200 + 400 = 700 ms waited; another 400 would pass the 1000 ms maximum.
    assertEquals(List.of(100L, 200L, 400L), sleeps);
    assertEquals(4, e.attempts());
    assertEquals(4, server.requestsTo("GET " + BASE + "/subjects").size());
    assertEquals(500, e.httpStatus());
  }

  @Test
  void closedPortIsUnavailableAfterRetries() throws IOException {
    HttpRegistryClient c = client(RegistryClientConfig.builder("http://127.0.0.1:" + closedPort())
        .retryBackoff(Duration.ofMillis(50)).retryMaxWait(Duration.ofMillis(200)));
    RegistryUnavailableException e = assertThrows(RegistryUnavailableException.class, () -> c.schemaById(1));
    assertEquals(List.of(50L, 100L), sleeps);
    assertEquals(3, e.attempts());
    assertInstanceOf(java.net.ConnectException.class, e.getCause());
    assertTrue(e.getMessage().contains("unreachable"), e.getMessage());
  }

  @Test
  void failsOverToTheNextUrl() throws IOException {
    server.on("GET " + BASE + "/subjects", 200, "[\"x\"]");
    HttpRegistryClient c = client(RegistryClientConfig.builder("http://127.0.0.1:" + closedPort() + BASE, server.url(BASE)));
    assertEquals(List.of("x"), c.subjects());
    assertEquals(1, sleeps.size());
  }

  @Test
  void clientErrorsAreNotRetried() {
    server.on("GET " + BASE + "/subjects", 401, "{\"error_code\":40101,\"message\":\"Unauthorized\"}");
    RegistryException e = assertThrows(RegistryException.class, () -> client().subjects());
    assertFalse(e instanceof RegistryUnavailableException);
    assertEquals(401, e.httpStatus());
    assertTrue(e.getMessage().contains("registry.basic.auth.user.info"), e.getMessage());
    assertTrue(sleeps.isEmpty());
  }

  @Test
  void sendsBasicAuthFromConfigOrUrl() {
    server.on("GET " + BASE + "/subjects", 200, "[]");
    client(RegistryClientConfig.builder(server.url(BASE)).basicAuthUserInfo("svc:s3cret")).subjects();
    String withUserInfo = server.url(BASE).replace("://", "://ops:p%40ss@");
    HttpRegistryClient fromUrl = client(RegistryClientConfig.builder(withUserInfo));
    fromUrl.subjects();
    List<FakeRegistryServer.Request> sent = server.requestsTo("GET " + BASE + "/subjects");
    assertEquals("Basic " + Base64.getEncoder().encodeToString("svc:s3cret".getBytes(StandardCharsets.UTF_8)),
        sent.get(0).header("Authorization"));
    assertEquals("Basic " + Base64.getEncoder().encodeToString("ops:p@ss".getBytes(StandardCharsets.UTF_8)),
        sent.get(1).header("Authorization"));
    assertFalse(fromUrl.toString().contains("p%40ss"), fromUrl.toString());
  }
}
