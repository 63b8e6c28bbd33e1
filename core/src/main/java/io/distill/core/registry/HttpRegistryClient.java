package io.distill.core.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.apache.kafka.common.errors.InterruptException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link RegistryClient} over the documented Confluent Schema Registry REST API, so it works with
 * Confluent Schema Registry, Apicurio Registry's {@code /apis/ccompat/v7} and Karapace alike.
 *
 * <p>Only what the Confluent API documents is relied upon: ids are treated as opaque (Apicurio's are
 * content ids, shared by subjects holding the same schema), and an incompatible registration is
 * recognised by HTTP 409 alone (Apicurio's body carries {@code error_code} 0), once a lookup shows that the
 * schema is not registered under the subject after all (the loser of two concurrent first registrations is
 * answered 409 too).
 *
 * <p>Connection failures, timeouts and HTTP 5xx/408/429 are retried with exponential backoff, trying
 * the next base URL each time, until the configured maximum wait is spent; then {@link
 * RegistryUnavailableException}. Thread-safe.
 */
public final class HttpRegistryClient implements RegistryClient {
  private static final Logger log = LoggerFactory.getLogger(HttpRegistryClient.class);
  static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Registrations answered 409 are retried this often while the schema is not found under the subject. */
  private static final int REGISTER_CONFLICT_ATTEMPTS = 3;

  /** Waits between retries; replaced in tests so nothing really sleeps. */
  @FunctionalInterface
  interface Sleeper {
    void sleep(long millis) throws InterruptedException;
  }

  private record SubjectSchema(String subject, Schema schema) {}

  private record Answer(int status, String body, URI base) {
    boolean ok() {
      return status >= 200 && status < 300;
    }
  }

  private final RegistryClientConfig config;
  private final HttpClient http;
  private final String authorization;
  private final Sleeper sleeper;
  private final AtomicInteger urlIndex = new AtomicInteger();
  private final ConcurrentMap<Integer, Schema> schemasById = new ConcurrentHashMap<>();
  private final ConcurrentMap<SubjectSchema, Integer> idsBySubjectSchema = new ConcurrentHashMap<>();

  public HttpRegistryClient(RegistryClientConfig config) {
    this(config, Thread::sleep);
  }

  HttpRegistryClient(RegistryClientConfig config, Sleeper sleeper) {
    this.config = config;
    this.sleeper = sleeper;
    HttpClient.Builder b = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(config.connectTimeout())
        // Registries do not redirect API calls; following one could carry the credentials elsewhere.
        .followRedirects(HttpClient.Redirect.NEVER);
    if (config.usesTls() || config.truststoreLocation() != null || config.keystoreLocation() != null || config.trustAll()) {
      b.sslContext(sslContext(config));
    }
    this.http = b.build();
    this.authorization = config.basicAuthUserInfo() == null ? null
        : "Basic " + Base64.getEncoder().encodeToString(config.basicAuthUserInfo().getBytes(StandardCharsets.UTF_8));
  }

  public static HttpRegistryClient create(String... urls) {
    return new HttpRegistryClient(RegistryClientConfig.builder(urls).build());
  }

  public RegistryClientConfig config() {
    return config;
  }

  @Override
  public int register(String subject, Schema schema) {
    SubjectSchema key = new SubjectSchema(subject, schema);
    Integer cached = idsBySubjectSchema.get(key);
    if (cached != null) {
      return cached;
    }
    Answer a = send("POST", "/subjects/" + enc(subject) + "/versions", schemaBody(schema));
    for (int attempt = 1; a.status() == 409; attempt++) {
      // A 409 is also how a registry may answer the loser of two concurrent first registrations of the same
      // schema (Apicurio: "artifact ... already exists"): the schema is then there, and its id is the answer.
      Optional<RegisteredSchema> existing = lookup(subject, schema);
      if (existing.isPresent()) {
        log.debug("registration under subject '{}' raced another; the schema is registered as id {}", subject,
            existing.get().id());
        idsBySubjectSchema.putIfAbsent(key, existing.get().id());
        return existing.get().id();
      }
      if (attempt >= REGISTER_CONFLICT_ATTEMPTS) {
        throw new IncompatibleSchemaException(subject, message(a), errorCode(a));
      }
      a = send("POST", "/subjects/" + enc(subject) + "/versions", schemaBody(schema));
    }
    if (a.status() == 422) {
      throw new InvalidSchemaException("registry refused the schema for subject '" + subject + "': " + message(a), 422, errorCode(a), null);
    }
    JsonNode n = expectOk(a, "register a schema under subject '" + subject + "'");
    int id = intField(n, "id", a);
    idsBySubjectSchema.putIfAbsent(key, id);
    schemasById.putIfAbsent(id, schema);
    return id;
  }

  @Override
  public Schema schemaById(int id) {
    Schema cached = schemasById.get(id);
    if (cached != null) {
      return cached;
    }
    Answer a = send("GET", "/schemas/ids/" + id, null);
    if (a.status() == 404) {
      throw new SchemaNotFoundException(id, message(a), errorCode(a));
    }
    JsonNode n = expectOk(a, "fetch schema id " + id);
    Schema schema = parseAvro(n, "schema id " + id);
    Schema prior = schemasById.putIfAbsent(id, schema);
    return prior != null ? prior : schema;
  }

  @Override
  public Optional<RegisteredSchema> lookup(String subject, Schema schema) {
    Answer a = send("POST", "/subjects/" + enc(subject), schemaBody(schema));
    if (a.status() == 404) {
      return Optional.empty();
    }
    JsonNode n = expectOk(a, "look up a schema under subject '" + subject + "'");
    RegisteredSchema r = new RegisteredSchema(textOr(n, "subject", subject), intField(n, "id", a),
        n.path("version").asInt(-1), schema);
    idsBySubjectSchema.putIfAbsent(new SubjectSchema(subject, schema), r.id());
    schemasById.putIfAbsent(r.id(), schema);
    return Optional.of(r);
  }

  @Override
  public RegisteredSchema latest(String subject) {
    Answer a = send("GET", "/subjects/" + enc(subject) + "/versions/latest", null);
    if (a.status() == 404) {
      throw new SubjectNotFoundException(subject, message(a), errorCode(a));
    }
    JsonNode n = expectOk(a, "fetch the latest version of subject '" + subject + "'");
    Schema schema = parseAvro(n, "latest version of subject '" + subject + "'");
    int id = intField(n, "id", a);
    schemasById.putIfAbsent(id, schema);
    return new RegisteredSchema(textOr(n, "subject", subject), id, n.path("version").asInt(-1), schema);
  }

  @Override
  public void setCompatibility(String subject, Compatibility compatibility) {
    ObjectNode body = JSON.createObjectNode().put("compatibility", compatibility.name());
    Answer a = send("PUT", "/config/" + enc(subject), body.toString());
    if (a.status() == 404) {
      throw new SubjectNotFoundException(subject, message(a), errorCode(a));
    }
    expectOk(a, "set compatibility " + compatibility + " on subject '" + subject + "'");
  }

  @Override
  public Optional<Compatibility> compatibility(String subject) {
    Answer a = send("GET", "/config/" + enc(subject), null);
    if (a.status() == 404) {
      return Optional.empty();
    }
    JsonNode n = expectOk(a, "read the compatibility of subject '" + subject + "'");
    String level = n.hasNonNull("compatibilityLevel") ? n.get("compatibilityLevel").asText()
        : n.path("compatibility").asText(null);
    if (level == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Compatibility.valueOf(level.toUpperCase(Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      throw new RegistryException("unknown compatibility level '" + level + "' on subject '" + subject + "'");
    }
  }

  @Override
  public boolean isCompatible(String subject, Schema schema) {
    Answer a = send("POST", "/compatibility/subjects/" + enc(subject) + "/versions/latest", schemaBody(schema));
    if (a.status() == 404) {
      return true;
    }
    if (a.status() == 422) {
      throw new InvalidSchemaException("registry refused the schema for subject '" + subject + "': " + message(a), 422, errorCode(a), null);
    }
    JsonNode n = expectOk(a, "test compatibility with subject '" + subject + "'");
    if (!n.has("is_compatible")) {
      throw new RegistryException("compatibility answer without is_compatible from " + a.base() + ": " + abbreviate(a.body()));
    }
    return n.get("is_compatible").asBoolean();
  }

  @Override
  public List<String> subjects() {
    Answer a = send("GET", "/subjects", null);
    JsonNode n = expectOk(a, "list subjects");
    List<String> out = new ArrayList<>();
    n.forEach(s -> out.add(s.asText()));
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // HTTP with retry

  private Answer send(String method, String path, String body) {
    List<URI> urls = config.urls();
    long maxWait = config.retryMaxWait().toMillis();
    long backoff = config.retryBackoff().toMillis();
    long backoffMax = config.retryBackoffMax().toMillis();
    long waited = 0;
    int attempts = 0;
    while (true) {
      int index = urlIndex.get();
      URI base = urls.get(Math.floorMod(index, urls.size()));
      attempts++;
      Throwable failure;
      try {
        HttpResponse<String> r = http.send(request(base, method, path, body), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        int status = r.statusCode();
        if (!retriable(status)) {
          return new Answer(status, r.body(), base);
        }
        failure = new RegistryException("HTTP " + status + ": " + abbreviate(r.body()), status, errorCode(r.body()), null);
      } catch (javax.net.ssl.SSLException e) {
        // A certificate or protocol problem is a configuration error, not an outage: retrying will not fix it.
        throw new RegistryException("TLS with the schema registry at " + RegistryClientConfig.withoutUserInfo(base)
            + " failed (check registry.ssl.*): " + describe(e), -1, -1, e);
      } catch (IOException e) {
        failure = e;
      } catch (InterruptedException e) {
        throw new InterruptException(e);
      }
      urlIndex.compareAndSet(index, index + 1);
      long wait = Math.min(backoff, backoffMax);
      if (waited + wait > maxWait) {
        throw new RegistryUnavailableException("schema registry unreachable at "
            + urls.stream().map(RegistryClientConfig::withoutUserInfo).toList() + " (" + method + " " + path + "): gave up after "
            + attempts + " attempt(s) and " + waited + " ms of retrying; last failure: " + describe(failure), attempts, failure);
      }
      log.warn("schema registry at {} unreachable, retrying in {} ms ({} {}, attempt {}: {})",
          RegistryClientConfig.withoutUserInfo(base), wait, method, path, attempts, describe(failure));
      try {
        sleeper.sleep(wait);
      } catch (InterruptedException e) {
        throw new InterruptException(e);
      }
      waited += wait;
      backoff = Math.min(backoff * 2, backoffMax);
    }
  }

  private static boolean retriable(int status) {
    return status >= 500 || status == 408 || status == 429;
  }

  private HttpRequest request(URI base, String method, String path, String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
        .timeout(config.requestTimeout())
        .header("Accept", CONTENT_TYPE + ", application/json");
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    if (body == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", CONTENT_TYPE).method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    }
    return b.build();
  }

  private static String describe(Throwable t) {
    String m = t.getMessage();
    return t.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
  }

  // ---------------------------------------------------------------------------------------------
  // JSON

  private static String schemaBody(Schema schema) {
    return JSON.createObjectNode().put("schema", schema.toString()).toString();
  }

  private static String enc(String subject) {
    return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private JsonNode expectOk(Answer a, String what) {
    if (a.status() == 401 || a.status() == 403) {
      String problem = a.status() == 401
          ? (authorization == null ? "asks for credentials and none are configured" : "refused the configured credentials")
          : "denied the configured user";
      throw new RegistryAuthenticationException("schema registry at " + RegistryClientConfig.withoutUserInfo(a.base()) + " "
          + problem + " (HTTP " + a.status() + ") when trying to " + what + "; check registry.basic.auth.user.info",
          a.status(), errorCode(a));
    }
    if (!a.ok()) {
      throw new RegistryException("schema registry at " + RegistryClientConfig.withoutUserInfo(a.base()) + " refused to " + what
          + ": HTTP " + a.status() + ": " + message(a), a.status(), errorCode(a), null);
    }
    try {
      return JSON.readTree(a.body());
    } catch (JsonProcessingException e) {
      throw new RegistryException("unreadable answer from schema registry at " + a.base() + " to " + what + ": "
          + abbreviate(a.body()), a.status(), -1, e);
    }
  }

  private static Schema parseAvro(JsonNode n, String what) {
    String type = n.path("schemaType").asText("AVRO");
    if (!type.equalsIgnoreCase("AVRO")) {
      throw new InvalidSchemaException(what + " is a " + type + " schema, not Avro", -1, -1, null);
    }
    JsonNode s = n.get("schema");
    if (s == null || !s.isTextual()) {
      throw new InvalidSchemaException(what + ": answer has no schema", -1, -1, null);
    }
    try {
      return new Schema.Parser().parse(s.asText());
    } catch (SchemaParseException e) {
      throw new InvalidSchemaException(what + " is not a valid Avro schema: " + e.getMessage(), -1, -1, e);
    }
  }

  private static int intField(JsonNode n, String field, Answer a) {
    JsonNode v = n.get(field);
    if (v == null || !v.canConvertToInt()) {
      throw new RegistryException("answer from schema registry at " + a.base() + " lacks '" + field + "': " + abbreviate(a.body()));
    }
    return v.asInt();
  }

  private static String textOr(JsonNode n, String field, String fallback) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? fallback : v.asText();
  }

  private static String message(Answer a) {
    try {
      JsonNode n = JSON.readTree(a.body());
      if (n != null && n.hasNonNull("message")) {
        return n.get("message").asText();
      }
    } catch (JsonProcessingException | RuntimeException e) {
      // fall through to the raw body
    }
    return abbreviate(a.body());
  }

  private static int errorCode(Answer a) {
    return errorCode(a.body());
  }

  private static int errorCode(String body) {
    try {
      JsonNode n = JSON.readTree(body);
      return n != null && n.has("error_code") ? n.get("error_code").asInt(-1) : -1;
    } catch (JsonProcessingException | RuntimeException e) {
      return -1;
    }
  }

  private static String abbreviate(String s) {
    if (s == null) {
      return "";
    }
    return s.length() <= 500 ? s : s.substring(0, 500) + "...";
  }

  // ---------------------------------------------------------------------------------------------
  // TLS

  private static SSLContext sslContext(RegistryClientConfig c) {
    try {
      TrustManager[] trust = null;
      if (c.trustAll()) {
        log.warn("registry.ssl.trust.all=true: the schema registry's certificate and host name are NOT verified");
        trust = new TrustManager[] {new TrustAllManager()};
      } else if (c.truststoreLocation() != null) {
        KeyStore ts = load(c.truststoreLocation(), c.truststorePassword(), c.truststoreType(), "registry.ssl.truststore.location");
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        trust = tmf.getTrustManagers();
      }
      KeyManager[] keys = null;
      if (c.keystoreLocation() != null) {
        KeyStore ks = load(c.keystoreLocation(), c.keystorePassword(), c.keystoreType(), "registry.ssl.keystore.location");
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        String keyPassword = c.keyPassword() != null ? c.keyPassword() : c.keystorePassword();
        kmf.init(ks, keyPassword == null ? null : keyPassword.toCharArray());
        keys = kmf.getKeyManagers();
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(keys, trust, new SecureRandom());
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("registry TLS settings are unusable: " + e.getMessage(), e);
    }
  }

  private static KeyStore load(java.nio.file.Path path, String password, String type, String key) throws GeneralSecurityException {
    KeyStore ks = KeyStore.getInstance(type == null || type.isBlank() ? KeyStore.getDefaultType() : type);
    try (InputStream in = Files.newInputStream(path)) {
      ks.load(in, password == null ? null : password.toCharArray());
    } catch (IOException e) {
      throw new IllegalArgumentException(key + ": cannot read " + path + ": " + e.getMessage(), e);
    }
    return ks;
  }

  /** Accepts every certificate and host name; only with registry.ssl.trust.all=true. */
  private static final class TrustAllManager extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, java.net.Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, java.net.Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }

  @Override
  public String toString() {
    return "HttpRegistryClient" + config.urls().stream().map(RegistryClientConfig::withoutUserInfo).toList();
  }
}
