package io.distill.topology.app;

import io.distill.core.metrics.ServiceEndpoint;
import io.distill.topology.TopologySerdes;
import io.distill.topology.accounting.DispositionSummary;
import io.distill.topology.config.TopologyConfig;
import io.distill.topology.metrics.TopologyMetrics;
import java.io.IOException;

/**
 * The topology with its HTTP endpoint: {@code /metrics} (Prometheus), {@code /health},
 * {@code /ready} (the streams are RUNNING) and {@code /dispositions} (the exact disposition counts
 * of this instance's tasks, as JSON).
 */
public final class TopologyService implements AutoCloseable {

    private final ServiceEndpoint endpoint;
    private final TopologyApp app;

    private TopologyService(ServiceEndpoint endpoint, TopologyApp app) {
        this.endpoint = endpoint;
        this.app = app;
    }

    public static TopologyService start(TopologyConfig config, TopologySerdes serdes) throws IOException {
        ServiceEndpoint endpoint = ServiceEndpoint.start("topology", config.metricsHost(), config.metricsPort());
        try {
            TopologyApp app = TopologyApp.start(config, serdes, new TopologyMetrics(endpoint.registry()));
            endpoint.readiness(app::isRunning);
            endpoint.handle("/dispositions", exchange -> {
                DispositionSummary summary;
                try {
                    summary = app.dispositions();
                } catch (RuntimeException e) {
                    ServiceEndpoint.respond(exchange, 503, "application/json",
                            "{\"error\":\"" + e.getClass().getSimpleName() + "\"}");
                    return;
                }
                ServiceEndpoint.respond(exchange, 200, "application/json", summary.toJson());
            });
            return new TopologyService(endpoint, app);
        } catch (RuntimeException e) {
            endpoint.close();
            throw e;
        }
    }

    public TopologyApp app() {
        return app;
    }

    public ServiceEndpoint endpoint() {
        return endpoint;
    }

    @Override
    public void close() {
        app.close();
        endpoint.close();
    }
}
