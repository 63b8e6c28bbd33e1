package io.distill.serving.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.distill.core.http.AdminTokenGuard;
import io.distill.core.metrics.ServiceEndpoint;
import io.distill.schema.CheckpointManifest;
import io.distill.serving.model.InferenceException;
import io.distill.serving.model.LoadedModel;
import io.distill.serving.model.ModelNotLoadedException;
import io.distill.serving.subscription.ModelTrack;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The JSON inference API on the service endpoint:
 * <ul>
 *   <li>{@code POST /v1/models/<name>/predict} {@code {"inputs": [[...], ...], "requestIds": [...]?}} &rarr;
 *       {@code {"model", "version", "predictions": [{"class", "probabilities"}]}}; every answer names its version.</li>
 *   <li>{@code GET /v1/models/<name>}: served version, policy and a summary of its manifest.</li>
 *   <li>{@code POST /v1/models/<name>/reload} (bearer token {@code http.admin.token}, see {@link AdminTokenGuard}):
 *       forget this server's refusals so that refused versions are tried again (after an operator repaired a store);
 *       401 without the token, 403 when no token is configured.</li>
 * </ul>
 */
public final class InferenceHttpApi {

    private static final Logger log = LoggerFactory.getLogger(InferenceHttpApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY_BYTES = 32 * 1024 * 1024;

    private final String model;
    private final PredictionService predictions;
    private final ModelTrack track;
    private final AdminTokenGuard admin;

    public InferenceHttpApi(PredictionService predictions, ModelTrack track, String adminToken) {
        this.model = track.modelName();
        this.predictions = predictions;
        this.track = track;
        this.admin = AdminTokenGuard.of(adminToken);
    }

    public void register(ServiceEndpoint endpoint) {
        endpoint.handle("/v1/models/" + model, this::route);
    }

    private void route(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String base = "/v1/models/" + model;
            String method = exchange.getRequestMethod();
            if ((path.equals(base) || path.equals(base + "/")) && method.equals("GET")) {
                info(exchange);
            } else if (path.equals(base + "/predict") && method.equals("POST")) {
                predict(exchange);
            } else if (path.equals(base + "/reload") && method.equals("POST")) {
                reload(exchange);
            } else {
                error(exchange, 404, "no route " + method + " " + path);
            }
        } catch (RuntimeException e) {
            log.error("HTTP request failed", e);
        }
    }

    private void predict(HttpExchange exchange) throws IOException {
        JsonNode body;
        try (InputStream in = exchange.getRequestBody()) {
            byte[] bytes = in.readNBytes(MAX_BODY_BYTES + 1);
            if (bytes.length > MAX_BODY_BYTES) {
                error(exchange, 413, "request body larger than " + MAX_BODY_BYTES + " bytes");
                return;
            }
            body = JSON.readTree(bytes);
        } catch (IOException e) {
            error(exchange, 400, "body is not JSON: " + e.getMessage());
            return;
        }
        float[][] inputs;
        List<String> ids = null;
        try {
            inputs = parseInputs(body);
            JsonNode idsNode = body.get("requestIds");
            if (idsNode != null && idsNode.isArray()) {
                ids = new ArrayList<>();
                for (JsonNode id : idsNode) {
                    ids.add(id.isNull() ? null : id.asText());
                }
            }
        } catch (IllegalArgumentException e) {
            error(exchange, 400, e.getMessage());
            return;
        }
        Answer answer;
        try {
            answer = predictions.predict(inputs, ids);
        } catch (ModelNotLoadedException e) {
            error(exchange, 503, e.getMessage());
            return;
        } catch (InferenceException e) {
            error(exchange, 400, e.getMessage());
            return;
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("model", answer.model());
        out.put("version", answer.version());
        out.put("latencyMicros", answer.latencyMicros());
        ArrayNode list = out.putArray("predictions");
        for (int i = 0; i < answer.classes().length; i++) {
            ObjectNode p = list.addObject();
            p.put("class", answer.classes()[i]);
            ArrayNode probs = p.putArray("probabilities");
            for (float v : answer.probabilities()[i]) {
                probs.add(v);
            }
        }
        json(exchange, 200, out);
    }

    static float[][] parseInputs(JsonNode body) {
        JsonNode inputs = body == null ? null : body.get("inputs");
        if (inputs == null || !inputs.isArray() || inputs.isEmpty()) {
            throw new IllegalArgumentException("'inputs' must be a non-empty array of number arrays");
        }
        float[][] rows = new float[inputs.size()][];
        for (int r = 0; r < rows.length; r++) {
            JsonNode row = inputs.get(r);
            if (!row.isArray()) {
                throw new IllegalArgumentException("inputs[" + r + "] is not an array");
            }
            rows[r] = new float[row.size()];
            for (int c = 0; c < rows[r].length; c++) {
                JsonNode v = row.get(c);
                if (!v.isNumber() || !Float.isFinite(v.floatValue())) {
                    throw new IllegalArgumentException("inputs[" + r + "][" + c + "] is not a finite number");
                }
                rows[r][c] = v.floatValue();
            }
        }
        return rows;
    }

    private void info(HttpExchange exchange) throws IOException {
        ObjectNode out = JSON.createObjectNode();
        out.put("model", model);
        Optional<LoadedModel> current = track.slot().current();
        out.put("ready", current.isPresent());
        out.put("version", current.map(LoadedModel::version).orElse(-1L));
        out.put("policy", track.policy().toString());
        ArrayNode available = out.putArray("availableVersions");
        track.availableVersions().forEach(available::add);
        ArrayNode refused = out.putArray("refusedVersions");
        track.refusedVersions().stream().sorted().forEach(refused::add);
        current.ifPresent(m -> {
            CheckpointManifest manifest = m.manifest();
            ObjectNode s = out.putObject("manifest");
            s.put("parentVersion", manifest.getParentVersion());
            s.put("createdAt", manifest.getCreatedAt().toString());
            s.put("architecture", manifest.getArchitecture().getFamily() + " " + manifest.getArchitecture().getSpec());
            s.put("parameterCount", manifest.getArchitecture().getParameterCount());
            s.put("labelSpace", manifest.getLabelSpace().getId() + ":" + manifest.getLabelSpace().getVersion());
            s.put("inputShape", manifest.getInputShape().toString());
            s.put("step", manifest.getStep());
            s.put("samplesSeen", manifest.getSamplesSeen());
            s.put("totalBytes", manifest.getTotalBytes());
            s.put("precision", manifest.getFormat().getPrecision().name());
            s.put("sha256", manifest.getSha256());
            ObjectNode metrics = s.putObject("metrics");
            manifest.getMetrics().forEach(metrics::put);
        });
        json(exchange, 200, out);
    }

    private void reload(HttpExchange exchange) throws IOException {
        if (!admin.admit(exchange)) {
            return;
        }
        int forgotten = track.forgetRefusals();
        ObjectNode out = JSON.createObjectNode();
        out.put("model", model);
        out.put("retrying", forgotten);
        json(exchange, 202, out);
    }

    private static void error(HttpExchange exchange, int status, String message) throws IOException {
        ObjectNode out = JSON.createObjectNode();
        out.put("error", message);
        json(exchange, status, out);
    }

    private static void json(HttpExchange exchange, int status, JsonNode body) throws IOException {
        ServiceEndpoint.respond(exchange, status, "application/json", JSON.writeValueAsString(body));
    }
}
