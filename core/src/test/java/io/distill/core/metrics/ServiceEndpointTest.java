package io.distill.core.metrics;

import io.micrometer.core.instrument.Counter;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServiceEndpointTest {

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void servesPrometheusMetricsHealthAndReadiness() throws Exception {
        try (ServiceEndpoint endpoint = ServiceEndpoint.start("unit", "127.0.0.1", 0)) {
            Counter.builder("distill.test.records").register(endpoint.registry()).increment(3);
            AtomicBoolean ready = new AtomicBoolean(false);
            endpoint.readiness(ready::get);

            HttpResponse<String> metrics = get(endpoint, "/metrics");
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.body().contains("distill_test_records_total{service=\"unit\"} 3.0"), metrics.body());
            assertTrue(metrics.body().contains("jvm_memory_used_bytes"));

            assertEquals(200, get(endpoint, "/health").statusCode());
            assertEquals(503, get(endpoint, "/ready").statusCode());
            ready.set(true);
            assertEquals(200, get(endpoint, "/ready").statusCode());
        }
    }

    private HttpResponse<String> get(ServiceEndpoint endpoint, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(endpoint.baseUrl() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
