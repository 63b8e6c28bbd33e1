package io.distill.topology;

import io.distill.topology.config.TopologyConfig;
import io.distill.core.deadletter.DeadLetterRecords;
import io.distill.topology.join.DecodingProcessor;
import io.distill.topology.join.ExampleAssembler;
import io.distill.topology.join.InputValidators;
import io.distill.topology.metrics.TopologyMetrics;
import io.distill.topology.policy.SiteRouter;
import io.distill.schema.Split;
import io.distill.topology.state.DecidedRequestSerde;
import io.distill.topology.state.PendingJoinSerde;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * Builds the topology. Every node, store and therefore changelog topic has an explicit name:
 *
 * <pre>
 * requests-source ─────▶ decode-requests ─────┐
 * soft-labels-source ──▶ decode-soft-labels ──┼──▶ assemble-examples ──▶ examples-sink / holdout-sink
 * ground-truth-source ─▶ decode-ground-truth ─┘            │
 *          (every decoder and the assembler) ──────────────┴──▶ dead-letters-sink
 * stores: pending-joins, decided-requests, dispositions, sampling-counts (all changelogged)
 * </pre>
 *
 * <p>With {@code topics.sites} set (federated distillation) the two example sinks are replaced by one pair per
 * site, {@code examples-site-<id>-sink} / {@code holdout-site-<id>-sink} writing {@code examples.site-<id>} /
 * {@code holdout.site-<id>}; a request whose site is missing or unknown is dead-lettered {@code UNKNOWN_SITE} by
 * {@code decode-requests} (or goes to {@code sites.default}).
 *
 * <p>The stores are cached: a request's pending entry is typically written, updated by each
 * teacher and deleted within one commit interval, so the cache turns those into a single
 * tombstone in the changelog instead of several copies of the input tensor.
 *
 * <p>The three inputs are co-partitioned by request id, so they meet in one sub-topology with no
 * repartition topic. Records are read as bytes and decoded inside the topology so that a bad one can
 * be dead-lettered with its raw bytes; the dead-letters sink is part of the EOS transaction.
 */
public final class DistillTopology {

    public static final String REQUESTS_SOURCE = "requests-source";
    public static final String SOFT_LABELS_SOURCE = "soft-labels-source";
    public static final String GROUND_TRUTH_SOURCE = "ground-truth-source";
    public static final String DECODE_REQUESTS = "decode-requests";
    public static final String DECODE_SOFT_LABELS = "decode-soft-labels";
    public static final String DECODE_GROUND_TRUTH = "decode-ground-truth";
    public static final String ASSEMBLER = "assemble-examples";
    public static final String EXAMPLES_SINK = "examples-sink";
    public static final String HOLDOUT_SINK = "holdout-sink";
    public static final String DEAD_LETTERS_SINK = "dead-letters-sink";

    public static final String PENDING_STORE = "pending-joins";
    public static final String DECIDED_STORE = "decided-requests";
    public static final String DISPOSITIONS_STORE = "dispositions";
    public static final String SAMPLING_STORE = "sampling-counts";

    private DistillTopology() {}

    /**
     * A builder that enforces {@code ensure.explicit.internal.resource.naming}: any DSL part added
     * to it without explicit names makes {@link #build} fail.
     */
    public static StreamsBuilder newBuilder(TopologyConfig config) {
        return new StreamsBuilder(new org.apache.kafka.streams.TopologyConfig(new StreamsConfig(streamsProperties(config))));
    }

    /** Builds the topology on its own, on {@link #newBuilder}. */
    public static Topology build(TopologyConfig config, TopologySerdes serdes, TopologyMetrics metrics) {
        return build(newBuilder(config), config, serdes, metrics);
    }

    /**
     * Adds the topology to what the builder already holds and returns the whole. Pass a builder
     * from {@link #newBuilder} so that explicit naming is enforced for the builder's own parts.
     *
     * @param builder a builder, possibly already holding other (explicitly named) parts
     * @param config the topology's settings
     * @param serdes the topics' wire formats
     * @param metrics where the counters go
     */
    public static Topology build(StreamsBuilder builder, TopologyConfig config, TopologySerdes serdes, TopologyMetrics metrics) {
        Topology topology = builder.build(streamsProperties(config));
        DeadLetterRecords deadLetters = new DeadLetterRecords(config.deadLetterMaxBytes());
        ByteArrayDeserializer bytes = new ByteArrayDeserializer();

        topology.addSource(REQUESTS_SOURCE, bytes, bytes, config.requestsTopic());
        topology.addSource(SOFT_LABELS_SOURCE, bytes, bytes, config.softLabelsTopic());
        topology.addSource(GROUND_TRUTH_SOURCE, bytes, bytes, config.groundTruthTopic());

        SiteRouter sites = config.siteRouter();
        topology.addProcessor(DECODE_REQUESTS, () -> new DecodingProcessor<>("requests",
                serdes.requests().deserializer(), InputValidators.requests(sites), true, deadLetters, metrics),
                REQUESTS_SOURCE);
        topology.addProcessor(DECODE_SOFT_LABELS, () -> new DecodingProcessor<>("soft-labels",
                serdes.softLabels().deserializer(), InputValidators.softLabels(), false, deadLetters, metrics),
                SOFT_LABELS_SOURCE);
        topology.addProcessor(DECODE_GROUND_TRUTH, () -> new DecodingProcessor<>("ground-truth",
                serdes.groundTruth().deserializer(), InputValidators.groundTruth(), false, deadLetters, metrics),
                GROUND_TRUTH_SOURCE);
        topology.addProcessor(ASSEMBLER, () -> new ExampleAssembler(config, metrics,
                serdes.softLabels().serializer(), serdes.groundTruth().serializer()),
                DECODE_REQUESTS, DECODE_SOFT_LABELS, DECODE_GROUND_TRUTH);

        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(PENDING_STORE), Serdes.String(), new PendingJoinSerde()).withCachingEnabled(), ASSEMBLER);
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(DECIDED_STORE), Serdes.String(), new DecidedRequestSerde()).withCachingEnabled(), ASSEMBLER);
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(DISPOSITIONS_STORE), Serdes.String(), Serdes.Long()).withCachingEnabled(),
                ASSEMBLER, DECODE_REQUESTS);
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(SAMPLING_STORE), Serdes.String(), Serdes.Long()).withCachingEnabled(), ASSEMBLER);

        StringSerializer keys = new StringSerializer();
        if (sites.enabled()) {
            for (String site : sites.sites()) {
                topology.addSink(SiteRouter.sinkName(Split.TRAIN, site), config.topics().siteExamples(site), keys,
                        serdes.examples().serializer(), ASSEMBLER);
                topology.addSink(SiteRouter.sinkName(Split.HOLDOUT, site), config.topics().siteHoldout(site), keys,
                        serdes.examples().serializer(), ASSEMBLER);
            }
        } else {
            topology.addSink(EXAMPLES_SINK, config.examplesTopic(), keys, serdes.examples().serializer(), ASSEMBLER);
            topology.addSink(HOLDOUT_SINK, config.holdoutTopic(), keys, serdes.examples().serializer(), ASSEMBLER);
        }
        topology.addSink(DEAD_LETTERS_SINK, config.deadLettersTopic(), keys, serdes.deadLetters().serializer(),
                DECODE_REQUESTS, DECODE_SOFT_LABELS, DECODE_GROUND_TRUTH, ASSEMBLER);
        return topology;
    }

    /**
     * The Kafka Streams settings of the topology: exactly-once v2, explicit naming of internal
     * resources enforced, and the {@code kafka.*} pass-through settings on top.
     */
    public static Properties streamsProperties(TopologyConfig config) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, "true");
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.toString(config.numStreamThreads()));
        props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class.getName());
        props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class.getName());
        // One in-flight request per partition: with transactions v2 (Kafka 4.x) a batch retried after
        // CONCURRENT_TRANSACTIONS while later batches were in flight was seen to loop on
        // OUT_OF_ORDER_SEQUENCE_NUMBER under load (see docs/BENCHMARKS.md); overridable with
        // kafka.producer.max.in.flight.requests.per.connection.
        props.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION), "1");
        // Not Kafka's default under /tmp, which the OS may clean while the application runs.
        props.put(StreamsConfig.STATE_DIR_CONFIG, config.get("state.dir",
                java.nio.file.Path.of(".distill", "streams").toAbsolutePath().toString()));
        props.putAll(config.kafkaOverrides());
        return props;
    }
}
