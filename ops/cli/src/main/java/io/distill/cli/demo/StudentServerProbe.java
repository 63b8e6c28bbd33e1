package io.distill.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distill.core.dataset.FashionMnist;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Talks to a student server's HTTP API as a client application would: which version it serves, and the test
 * accuracy of that version measured by sending the test images through {@code predict}. Every answer names the
 * version that produced it, so a measurement that straddles a swap is detected and reported as such.
 */
public final class StudentServerProbe {

    /** What a server serves right now. */
    public record ServedVersion(long version, long samplesSeen) {
    }

    /** Test accuracy of one version. */
    public record Evaluation(long version, long samplesSeen, double accuracy, int images) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BATCH = 250;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final String baseUrl;
    private final String model;

    public StudentServerProbe(String baseUrl, String model) {
        this.baseUrl = baseUrl;
        this.model = model;
    }

    public String baseUrl() {
        return baseUrl;
    }

    /** The served version, or -1 while the server has none (or does not answer). */
    public ServedVersion served() {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/v1/models/" + model))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return new ServedVersion(-1, 0);
            }
            JsonNode body = JSON.readTree(r.body());
            return new ServedVersion(body.path("version").asLong(-1), body.path("manifest").path("samplesSeen").asLong(0));
        } catch (IOException e) {
            return new ServedVersion(-1, 0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ServedVersion(-1, 0);
        }
    }

    /**
     * Accuracy of the served version on the first {@code limit} images of {@code test}; empty when the server swapped
     * versions during the measurement (the caller measures again).
     */
    public java.util.Optional<Evaluation> evaluate(FashionMnist.Split test, int limit, long samplesSeen)
            throws IOException, InterruptedException {
        int n = Math.min(limit, test.size());
        int correct = 0;
        long version = -1;
        for (int start = 0; start < n; start += BATCH) {
            int end = Math.min(n, start + BATCH);
            ObjectNode request = JSON.createObjectNode();
            ArrayNode inputs = request.putArray("inputs");
            for (int i = start; i < end; i++) {
                ArrayNode row = inputs.addArray();
                for (float v : test.images()[i]) {
                    row.add(v);
                }
            }
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/v1/models/" + model + "/predict"))
                            .timeout(Duration.ofSeconds(60))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(request))).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IOException("predict answered " + r.statusCode() + ": " + r.body());
            }
            JsonNode body = JSON.readTree(r.body());
            long answeredBy = body.path("version").asLong(-1);
            if (version >= 0 && answeredBy != version) {
                return java.util.Optional.empty();
            }
            version = answeredBy;
            JsonNode predictions = body.path("predictions");
            for (int i = start; i < end; i++) {
                if (predictions.get(i - start).path("class").asInt(-1) == test.labels()[i]) {
                    correct++;
                }
            }
        }
        return java.util.Optional.of(new Evaluation(version, samplesSeen, (double) correct / n, n));
    }
}
