package io.distill.topology.app;

import io.distill.topology.DistillTopology;
import io.distill.topology.TopologySerdes;
import io.distill.topology.accounting.DispositionSummary;
import io.distill.topology.config.TopologyConfig;
import io.distill.topology.deadletter.ReasonCodes;
import io.distill.topology.metrics.TopologyMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The topology running as a Kafka Streams application. Bad records never stop it (they are
 * dead-lettered inside the topology); an exception that escapes (e.g. the schema registry being
 * unreachable) replaces the stream thread, which resumes from the last committed transaction.
 */
public final class TopologyApp implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TopologyApp.class);

    private final KafkaStreams streams;
    private final KafkaStreamsMetrics streamsMetrics;

    private TopologyApp(KafkaStreams streams, KafkaStreamsMetrics streamsMetrics) {
        this.streams = streams;
        this.streamsMetrics = streamsMetrics;
    }

    /** Builds the topology and starts it; returns at once (see {@link #awaitRunning}). */
    public static TopologyApp start(TopologyConfig config, TopologySerdes serdes, TopologyMetrics metrics) {
        Topology topology = DistillTopology.build(config, serdes, metrics);
        Properties props = DistillTopology.streamsProperties(config);
        log.info("topology:\n{}", topology.describe());
        KafkaStreams streams = new KafkaStreams(topology, props);
        streams.setUncaughtExceptionHandler(error -> {
            if (ReasonCodes.isTransient(error)) {
                // The registry client has already waited and retried with backoff; the new thread tries again.
                log.warn("schema registry unavailable ({}); replacing the stream thread, it resumes from the last "
                        + "commit and decodes the record again", error.toString());
                return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
            }
            log.error("stream thread failed; replacing it (it resumes from the last commit)", error);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.setStateListener((now, before) -> log.info("topology state {} -> {}", before, now));
        KafkaStreamsMetrics binder = new KafkaStreamsMetrics(streams);
        binder.bindTo(metrics.registry());
        streams.start();
        return new TopologyApp(streams, binder);
    }

    /** @return true once the application processes records */
    public boolean isRunning() {
        return streams.state() == KafkaStreams.State.RUNNING;
    }

    /** Waits until the application is RUNNING. */
    public void awaitRunning(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!isRunning()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("topology not RUNNING after " + timeout + ": " + streams.state());
            }
            Thread.sleep(50);
        }
    }

    /** @return the disposition counts of the tasks on this instance (interactive query) */
    public DispositionSummary dispositions() {
        ReadOnlyKeyValueStore<String, Long> store = streams.store(StoreQueryParameters.fromNameAndType(
                DistillTopology.DISPOSITIONS_STORE, QueryableStoreTypes.<String, Long>keyValueStore()));
        return DispositionSummary.of(store);
    }

    public KafkaStreams streams() {
        return streams;
    }

    @Override
    public void close() {
        streamsMetrics.close();
        streams.close(Duration.ofSeconds(30));
    }
}
