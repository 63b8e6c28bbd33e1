package io.distill.core.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.distill.core.http.AdminTokenGuard;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * The HTTP endpoint every service exposes: {@code /metrics} (Prometheus text format), {@code /health} (the process
 * is alive) and {@code /ready} (the service can do its work, e.g. a model is loaded or the stream is RUNNING).
 * Services may add their own handlers (the student server adds its inference API) with {@link #handle}; a route
 * that changes state must demand the admin token ({@link #handleStateChanging}, {@link AdminTokenGuard}).
 */
public final class ServiceEndpoint implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ServiceEndpoint.class);

    private final PrometheusMeterRegistry registry;
    private final HttpServer server;
    private volatile BooleanSupplier readiness = () -> true;

    private ServiceEndpoint(String service, String host, int port) throws IOException {
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("service", service);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        this.server = HttpServer.create(new InetSocketAddress(host, port), 0);
        server.setExecutor(Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, service + "-http");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/metrics", exchange -> respond(exchange, 200,
                "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
        server.createContext("/health", exchange -> respond(exchange, 200, "application/json", "{\"status\":\"UP\"}"));
        server.createContext("/ready", exchange -> {
            boolean ready = readiness.getAsBoolean();
            respond(exchange, ready ? 200 : 503, "application/json",
                    ready ? "{\"status\":\"READY\"}" : "{\"status\":\"NOT_READY\"}");
        });
    }

    /** Starts the endpoint on {@code host:port}; port 0 picks a free port. */
    public static ServiceEndpoint start(String service, String host, int port) throws IOException {
        ServiceEndpoint endpoint = new ServiceEndpoint(service, host, port);
        endpoint.server.start();
        log.info("{} metrics and health on http://{}:{}/metrics", service, host, endpoint.port());
        return endpoint;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String baseUrl() {
        return "http://" + server.getAddress().getHostString() + ":" + port();
    }

    public void readiness(BooleanSupplier readiness) {
        this.readiness = readiness;
    }

    /** Adds a read-only route. A route that changes state goes through {@link #handleStateChanging}. */
    public void handle(String path, HttpHandler handler) {
        server.createContext(path, handler);
    }

    /** Adds a route that changes state: only requests carrying {@code guard}'s bearer token reach {@code handler}. */
    public void handleStateChanging(String path, AdminTokenGuard guard, HttpHandler handler) {
        server.createContext(path, guard.protect(handler));
    }

    public static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        registry.close();
    }
}
