package io.distill.core.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A scripted HTTP server: answers per "METHOD path" from a queue (the last answer repeats). */
final class FakeRegistryServer implements AutoCloseable {
  record Request(String method, String path, Map<String, List<String>> headers, String body) {
    String header(String name) {
      for (var e : headers.entrySet()) {
        if (e.getKey().equalsIgnoreCase(name)) {
          return e.getValue().get(0);
        }
      }
      return null;
    }
  }

  record Answer(int status, String body) {}

  private final HttpServer server;
  private final Map<String, Deque<Answer>> script = new HashMap<>();
  final List<Request> requests = Collections.synchronizedList(new ArrayList<>());

  FakeRegistryServer() throws IOException {
    this(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0));
  }

  FakeRegistryServer(HttpServer server) {
    this.server = server;
    server.createContext("/", this::handle);
    server.start();
  }

  static FakeRegistryServer https(javax.net.ssl.SSLContext ctx) throws IOException {
    HttpsServer s = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    s.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(ctx));
    return new FakeRegistryServer(s);
  }

  String url(String basePath) {
    String scheme = server instanceof HttpsServer ? "https" : "http";
    return scheme + "://localhost:" + server.getAddress().getPort() + basePath;
  }

  synchronized FakeRegistryServer on(String methodAndPath, int status, String body) {
    script.computeIfAbsent(methodAndPath, k -> new ArrayDeque<>()).add(new Answer(status, body));
    return this;
  }

  List<Request> requestsTo(String methodAndPath) {
    synchronized (requests) {
      return requests.stream().filter(r -> (r.method() + " " + r.path()).equals(methodAndPath)).toList();
    }
  }

  private void handle(HttpExchange ex) throws IOException {
    String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    String path = ex.getRequestURI().getRawPath();
    requests.add(new Request(ex.getRequestMethod(), path, Map.copyOf(ex.getRequestHeaders()), body));
    Answer a;
    synchronized (this) {
      Deque<Answer> q = script.get(ex.getRequestMethod() + " " + path);
      if (q == null || q.isEmpty()) {
        a = new Answer(404, "{\"error_code\":40400,\"message\":\"unscripted " + ex.getRequestMethod() + " " + path + "\"}");
      } else {
        a = q.size() > 1 ? q.poll() : q.peek();
      }
    }
    byte[] out = a.body().getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/vnd.schemaregistry.v1+json");
    ex.sendResponseHeaders(a.status(), out.length == 0 ? -1 : out.length);
    if (out.length > 0) {
      ex.getResponseBody().write(out);
    }
    ex.close();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
