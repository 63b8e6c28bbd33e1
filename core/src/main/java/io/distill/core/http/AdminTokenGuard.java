package io.distill.core.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.distill.core.config.DistillConfig;
import io.distill.core.metrics.ServiceEndpoint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The bearer token that every state-changing HTTP route of a service demands ({@code Authorization: Bearer <token>}).
 * Configured with {@value #KEY} (environment {@code DISTILL_HTTP_ADMIN_TOKEN}; the student server also reads its
 * older key {@value #SERVING_KEY}); it is a secret, so the configuration dump masks it. Without a configured token
 * such routes answer 403 (disabled); with one, a missing or wrong token gets 401. Tokens are compared in constant
 * time. Read-only routes ({@code /metrics}, {@code /health}, {@code /ready}, inference) need no token.
 *
 * <p>Register state-changing routes through {@link ServiceEndpoint#handleStateChanging} (or call {@link #admit}
 * first thing in a handler that routes several methods), never with a bare handler.
 */
public final class AdminTokenGuard {

    public static final String KEY = "http.admin.token";
    /** The student server's key before {@value #KEY} existed; {@value #KEY} wins when both are set. */
    public static final String SERVING_KEY = "serving.admin.token";

    private static final AdminTokenGuard DISABLED = new AdminTokenGuard(null);

    private final byte[] token;

    private AdminTokenGuard(String token) {
        this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
    }

    /** A guard for {@code token}; null or blank disables the guarded routes. */
    public static AdminTokenGuard of(String token) {
        return token == null || token.isBlank() ? DISABLED : new AdminTokenGuard(token.trim());
    }

    /** Guarded routes disabled (403). */
    public static AdminTokenGuard disabled() {
        return DISABLED;
    }

    /** The guard of {@value #KEY}, else {@value #SERVING_KEY}. */
    public static AdminTokenGuard fromConfig(DistillConfig config) {
        return of(config.find(KEY).orElseGet(() -> config.find(SERVING_KEY).orElse(null)));
    }

    /** Whether a token is configured (otherwise guarded routes answer 403). */
    public boolean enabled() {
        return token != null;
    }

    /**
     * Whether the request carries the token. If not, answers it (403 when no token is configured, 401 with
     * {@code WWW-Authenticate: Bearer} when the token is missing or wrong) and returns false: the caller must stop.
     */
    public boolean admit(HttpExchange exchange) throws IOException {
        if (token == null) {
            ServiceEndpoint.respond(exchange, 403, "application/json",
                    "{\"error\":\"no admin token configured (" + KEY + "); state-changing routes are disabled\"}");
            return false;
        }
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        String offered = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : "";
        if (!MessageDigest.isEqual(offered.getBytes(StandardCharsets.UTF_8), token)) {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"distill\"");
            ServiceEndpoint.respond(exchange, 401, "application/json", "{\"error\":\"missing or wrong bearer token\"}");
            return false;
        }
        return true;
    }

    /** {@code handler} behind this guard. */
    public HttpHandler protect(HttpHandler handler) {
        return exchange -> {
            try (exchange) {
                if (admit(exchange)) {
                    handler.handle(exchange);
                }
            }
        };
    }

    @Override
    public String toString() {
        return "AdminTokenGuard[" + (enabled() ? DistillConfig.MASK : "disabled") + "]";
    }
}
