package io.distill.serving.testing;

import io.distill.core.architecture.ArchitectureSpec;
import io.distill.core.registry.HttpRegistryClient;
import io.distill.core.topics.TopicCatalogue;
import io.distill.core.topics.Topics;
import io.distill.schema.CheckpointManifest;
import io.distill.schema.LabelSpace;
import io.distill.serving.control.ControlWriter;
import io.distill.serving.model.ServingContract;
import io.distill.serving.publish.CheckpointPublisher;
import io.distill.serving.publish.SyntheticCheckpoint;
import io.distill.serving.server.ServerSettings;
import io.distill.serving.server.StudentServer;
import io.distill.stack.EmbeddedStack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * One isolated set of topics (a unique prefix) on the shared embedded stack, with a checkpoint publisher, a control
 * writer and helpers to start servers and call them over HTTP.
 */
public final class ServingFixture implements AutoCloseable {

    public static final ArchitectureSpec SPEC = ArchitectureSpec.mlp(List.of(16), 0.0);
    public static final int[] INPUT_SHAPE = {784};

    private final EmbeddedStack stack;
    private final TopicCatalogue catalogue;
    private final Topics topics;
    private final CheckpointPublisher publisher;
    private final ControlWriter control;
    private final SyntheticCheckpoint checkpoint;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public ServingFixture(EmbeddedStack stack) {
        this.stack = stack;
        this.catalogue = TopicCatalogue.builder().prefix(EmbeddedStack.uniqueName("serving") + ".").partitions(2)
                .build();
        try (var admin = stack.adminClient()) {
            catalogue.ensure(admin);
        }
        this.topics = catalogue.topics(HttpRegistryClient.create(stack.registryUrl()), true);
        this.publisher = new CheckpointPublisher(stack.clientProperties(), EmbeddedStack.uniqueName("publisher"),
                catalogue.checkpointBlobs(), catalogue.checkpoints(), topics.checkpoints().valueSerializer(),
                64 * 1024);
        this.control = new ControlWriter(topics.checkpointControl(), stack.clientProperties());
        this.checkpoint = SyntheticCheckpoint.create(SPEC, INPUT_SHAPE, InMemoryCheckpoints.fashionLabels());
    }

    public Topics topics() {
        return topics;
    }

    public ControlWriter control() {
        return control;
    }

    public CheckpointPublisher publisher() {
        return publisher;
    }

    public Map<String, Object> kafka() {
        return stack.clientProperties();
    }

    public CheckpointManifest publish(String model, long version) throws IOException {
        return publisher.publish(checkpoint, model, version);
    }

    public CheckpointManifest publish(String model, long version, LabelSpace labels) throws IOException {
        return publisher.publish(SyntheticCheckpoint.create(SPEC, INPUT_SHAPE, labels), model, version);
    }

    public static ServingContract contract() {
        return ServingContract.parse("fashion-mnist:1", List.of(), "1,28,28");
    }

    public StudentServer server(String model, String instance) throws IOException {
        return server(ServerSettings.local(model, contract(), instance));
    }

    public StudentServer server(ServerSettings settings) throws IOException {
        return StudentServer.start(settings, topics, kafka());
    }

    /** POSTs one all-zero input and returns (status, body). */
    public HttpResponse<String> predict(StudentServer server, String model) throws IOException, InterruptedException {
        StringBuilder row = new StringBuilder("[");
        for (int i = 0; i < 784; i++) {
            row.append(i == 0 ? "" : ",").append("0.1");
        }
        String body = "{\"inputs\":[" + row + "]]}";
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/models/" + model + "/predict"))
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json").build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    public HttpClient http() {
        return http;
    }

    public static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    @Override
    public void close() {
        publisher.close();
        control.close();
    }
}
