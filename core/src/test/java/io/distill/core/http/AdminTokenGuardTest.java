package io.distill.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.config.DistillConfig;
import io.distill.core.metrics.ServiceEndpoint;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AdminTokenGuardTest {

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> post(ServiceEndpoint endpoint, String path, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(endpoint.baseUrl() + path))
                .POST(HttpRequest.BodyPublishers.ofString("{}"));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void stateChangingRouteNeedsTheBearerToken() throws Exception {
        AtomicInteger changes = new AtomicInteger();
        try (ServiceEndpoint endpoint = ServiceEndpoint.start("unit", "127.0.0.1", 0)) {
            endpoint.handleStateChanging("/admin/reset", AdminTokenGuard.of("t0ken-123"), exchange -> {
                changes.incrementAndGet();
                ServiceEndpoint.respond(exchange, 202, "application/json", "{}");
            });
            HttpResponse<String> none = post(endpoint, "/admin/reset", null);
            assertEquals(401, none.statusCode());
            assertEquals("Bearer realm=\"distill\"", none.headers().firstValue("WWW-Authenticate").orElse(""));
            assertEquals(401, post(endpoint, "/admin/reset", "Bearer wrong").statusCode());
            assertEquals(401, post(endpoint, "/admin/reset", "Basic dDB rZW4tMTIz").statusCode());
            assertEquals(0, changes.get(), "no refused request reached the handler");
            assertEquals(202, post(endpoint, "/admin/reset", "Bearer t0ken-123").statusCode());
            assertEquals(1, changes.get());
            assertFalse(none.body().contains("t0ken-123"));
        }
    }

    @Test
    void withoutAConfiguredTokenStateChangingRoutesAreDisabled() throws Exception {
        AtomicInteger changes = new AtomicInteger();
        try (ServiceEndpoint endpoint = ServiceEndpoint.start("unit", "127.0.0.1", 0)) {
            endpoint.handleStateChanging("/admin/reset", AdminTokenGuard.of(" "), exchange -> changes.incrementAndGet());
            HttpResponse<String> r = post(endpoint, "/admin/reset", "Bearer anything");
            assertEquals(403, r.statusCode());
            assertTrue(r.body().contains(AdminTokenGuard.KEY), r.body());
            assertEquals(0, changes.get());
        }
    }

    @Test
    void readsTheTokenFromConfigurationOrEnvironmentAndMasksIt() {
        DistillConfig fromEnv = DistillConfig.builder()
                .environment(Map.of("DISTILL_HTTP_ADMIN_TOKEN", "env-secret-42"))
                .build();
        AdminTokenGuard guard = AdminTokenGuard.fromConfig(fromEnv);
        assertTrue(guard.enabled());
        assertFalse(guard.toString().contains("env-secret-42"));
        assertFalse(fromEnv.dump().contains("env-secret-42"), fromEnv.dump());
        assertTrue(fromEnv.dump().contains(AdminTokenGuard.KEY));

        assertTrue(AdminTokenGuard.fromConfig(DistillConfig.of(Map.of("serving.admin.token", "old"))).enabled(),
                "the student server's older key still works");
        assertFalse(AdminTokenGuard.fromConfig(DistillConfig.of(Map.of())).enabled());
    }
}
