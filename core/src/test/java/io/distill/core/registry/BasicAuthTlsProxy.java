package io.distill.core.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.distill.stack.security.KeyMaterial;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A TLS reverse proxy in front of a real schema registry that demands HTTP Basic credentials, as a registry behind an
 * authenticating gateway does: 401 with {@code WWW-Authenticate} unless the {@code Authorization} header carries
 * {@code user:password}; otherwise the request goes to the registry unchanged and its answer comes back unchanged.
 */
final class BasicAuthTlsProxy implements AutoCloseable {

  private final HttpsServer server;
  private final HttpClient upstream = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final String target;
  private final String expectedAuthorization;
  final AtomicInteger refused = new AtomicInteger();
  final AtomicInteger forwarded = new AtomicInteger();

  BasicAuthTlsProxy(KeyMaterial serverKey, String targetBaseUrl, String user, String password) throws Exception {
    this.target = targetBaseUrl.endsWith("/") ? targetBaseUrl.substring(0, targetBaseUrl.length() - 1) : targetBaseUrl;
    this.expectedAuthorization = "Basic " + Base64.getEncoder()
        .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    KeyStore ks = KeyStore.getInstance(KeyMaterial.TYPE);
    try (InputStream in = Files.newInputStream(serverKey.location())) {
      ks.load(in, serverKey.password().toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, serverKey.password().toCharArray());
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(ctx));
    server.createContext("/", this::handle);
    server.start();
  }

  /** The proxy's base URL (standing for the target base URL), named {@code localhost} as its certificate is. */
  String url() {
    return "https://localhost:" + server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String offered = exchange.getRequestHeaders().getFirst("Authorization");
      if (!expectedAuthorization.equals(offered)) {
        refused.incrementAndGet();
        byte[] body = "{\"error_code\":40101,\"message\":\"Unauthorized\"}".getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"registry\"");
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(401, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
        return;
      }
      forwarded.incrementAndGet();
      byte[] requestBody = exchange.getRequestBody().readAllBytes();
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(target + exchange.getRequestURI()))
          .timeout(Duration.ofSeconds(20))
          .method(exchange.getRequestMethod(), requestBody.length == 0 ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofByteArray(requestBody));
      for (String h : new String[] {"Content-Type", "Accept"}) {
        String v = exchange.getRequestHeaders().getFirst(h);
        if (v != null) {
          b.header(h, v);
        }
      }
      HttpResponse<byte[]> r;
      try {
        r = upstream.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
      r.headers().firstValue("Content-Type").ifPresent(v -> exchange.getResponseHeaders().set("Content-Type", v));
      exchange.sendResponseHeaders(r.statusCode(), r.body().length == 0 ? -1 : r.body().length);
      if (r.body().length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(r.body());
        }
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
