package io.distill.stack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Plain HTTP calls to a Confluent-compatible schema registry, as any client would make them. */
public final class RegistryHttp {

    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*(\\d+)");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String baseUrl;

    public RegistryHttp(String baseUrl) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    }

    /** Registers an Avro schema under a subject and returns its id. */
    public int register(String subject, String avroSchema) throws IOException, InterruptedException {
        String body = "{\"schema\":" + jsonString(avroSchema) + "}";
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(baseUrl + "/subjects/" + subject + "/versions"))
                .header("Content-Type", CONTENT_TYPE)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        if (r.statusCode() != 200) {
            throw new IOException("register " + subject + ": HTTP " + r.statusCode() + " " + r.body());
        }
        Matcher m = ID.matcher(r.body());
        if (!m.find()) {
            throw new IOException("register " + subject + ": no id in " + r.body());
        }
        return Integer.parseInt(m.group(1));
    }

    /** {@code GET /schemas/ids/{id}}: status and body. */
    public HttpResponse<String> schemaById(int id) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + "/schemas/ids/" + id)).GET());
    }

    /** {@code GET /subjects}: status and body. */
    public HttpResponse<String> subjects() throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + "/subjects")).GET());
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static String jsonString(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> b.append(c);
            }
        }
        return b.append('"').toString();
    }

    /** Removes all whitespace, to compare schemas the registry may have reformatted. */
    public static String compact(String json) {
        return json.replaceAll("\\s+", "");
    }
}
