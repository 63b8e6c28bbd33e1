package io.distill.serving.server;

import io.distill.core.deadletter.DeadLetterPublisher;
import io.distill.core.deadletter.DeadLetterRecords;
import io.distill.core.deadletter.ReasonCode;
import io.distill.core.metrics.ServiceEndpoint;
import io.distill.core.topics.Topics;
import io.distill.serving.control.ControlWriter;
import io.distill.serving.model.CheckpointLoader;
import io.distill.serving.model.CoreNetworkRestorer;
import io.distill.serving.model.Devices;
import io.distill.serving.model.ModelSlot;
import io.distill.serving.model.StoreBlobSource;
import io.distill.serving.policy.ControlRecords;
import io.distill.serving.quality.LiveAgreement;
import io.distill.serving.quality.SoftLabelFeed;
import io.distill.serving.subscription.CheckpointListener;
import io.distill.serving.subscription.CheckpointSubscription;
import io.distill.serving.subscription.ModelTrack;
import io.distill.serving.subscription.SubscriptionMetrics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A student server: follows the model's checkpoints (its own reader, no consumer group), serves the current version
 * over HTTP JSON and optionally from the requests topic, reports health and readiness (ready once a first version is
 * loaded) and, optionally, live agreement with the teacher, rolling the fleet back when it drops. Several instances
 * can run in one JVM or on one machine; each follows checkpoints on its own.
 */
public final class StudentServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StudentServer.class);

    private final ServerSettings settings;
    private final ServiceEndpoint endpoint;
    private final ModelSlot slot;
    private final ModelTrack track;
    private final StoreBlobSource blobs;
    private final CheckpointSubscription subscription;
    private final KafkaProducer<byte[], byte[]> sideProducer;
    private final ControlWriter controlWriter;
    private final LiveAgreement liveAgreement;
    private final SoftLabelFeed softLabelFeed;
    private final KafkaInference kafkaInference;
    private final PredictionService predictions;

    private StudentServer(ServerSettings settings, Topics topics, Map<String, Object> kafka) throws IOException {
        this.settings = settings;
        this.endpoint = ServiceEndpoint.start("student-server", settings.httpHost(), settings.httpPort());
        this.slot = new ModelSlot(settings.model());
        Map<String, Object> blobProps = new HashMap<>(kafka);
        blobProps.putAll(topics.catalogue().blobConsumerOverrides());
        this.blobs = new StoreBlobSource(blobProps);
        CheckpointLoader loader = new CheckpointLoader(settings.contract(), blobs,
                new CoreNetworkRestorer(Devices.choose(settings.device())));
        this.track = new ModelTrack(settings.model(), loader, slot, new SubscriptionMetrics(endpoint.registry()));
        Map<String, Object> producerProps = new HashMap<>(kafka);
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        this.sideProducer = new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer());
        DeadLetterPublisher deadLetters = topics.deadLetterPublisher(new DeadLetterRecords());
        this.controlWriter = settings.liveQuality() && settings.gate().rollback()
                ? new ControlWriter(topics.checkpointControl(), kafka) : null;
        this.liveAgreement = settings.liveQuality()
                ? new LiveAgreement(settings.model(), settings.gate(), 100_000, endpoint.registry(), this::onQualityDrop)
                : null;
        this.predictions = new PredictionService(slot, liveAgreement, settings.sampleRate(), endpoint.registry());
        new InferenceHttpApi(predictions, track, settings.adminToken()).register(endpoint);
        endpoint.readiness(() -> slot.currentVersion() >= 0);
        this.subscription = new CheckpointSubscription(kafka, topics.checkpoints().name(),
                topics.checkpointControl().name(), topics.checkpoints().valueDeserializer(),
                topics.checkpointControl().valueDeserializer(), List.of(track),
                (record, error) -> deadLetters.publish(sideProducer, record, "serving/checkpoint-subscription",
                        DeadLetterRecords.reasonOf(error) == ReasonCode.INTERNAL_ERROR ? ReasonCode.INVALID_RECORD
                                : DeadLetterRecords.reasonOf(error), error));
        this.softLabelFeed = settings.liveQuality()
                ? new SoftLabelFeed(topics.softLabels(), liveAgreement, settings.contract().labelSpaceId(),
                settings.contract().labelSpaceVersion(), kafka) : null;
        this.kafkaInference = settings.kafkaInference()
                ? new KafkaInference(predictions, topics.requests(), topics.responses(), deadLetters, settings.task(),
                settings.contract().labelSpace(), kafka, settings.groupId(),
                "distill-serving-" + settings.model() + "-" + settings.instanceId(), endpoint.registry())
                : null;
    }

    /** Starts a server; it becomes ready once its first version is loaded. */
    public static StudentServer start(ServerSettings settings, Topics topics, Map<String, Object> kafkaClientProperties)
            throws IOException {
        StudentServer server = new StudentServer(settings, topics, kafkaClientProperties);
        server.subscription.start();
        if (server.softLabelFeed != null) {
            server.softLabelFeed.start();
        }
        if (server.kafkaInference != null) {
            server.kafkaInference.start();
        }
        log.info("student server {} for {} ({}) on {}", settings.instanceId(), settings.model(), settings.contract(),
                server.endpoint.baseUrl());
        return server;
    }

    private void onQualityDrop(long version) {
        if (controlWriter == null) {
            return;
        }
        if (slot.currentVersion() != version) {
            log.warn("quality drop of {} v{} which is no longer served; no rollback", settings.model(), version);
            return;
        }
        controlWriter.write(ControlRecords.rollback(settings.model(), version, track.availableVersions(),
                track.policy(), "serving:" + settings.instanceId(),
                String.format("live agreement %.3f below %.3f", liveAgreement.agreement(version),
                        settings.gate().threshold())));
    }

    public void addListener(CheckpointListener listener) {
        track.addListener(listener);
    }

    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return subscription.awaitCaughtUp(timeout);
    }

    public ServiceEndpoint endpoint() {
        return endpoint;
    }

    public String baseUrl() {
        return endpoint.baseUrl();
    }

    public ModelSlot slot() {
        return slot;
    }

    public ModelTrack track() {
        return track;
    }

    public PredictionService predictions() {
        return predictions;
    }

    public LiveAgreement liveAgreement() {
        return liveAgreement;
    }

    public ServerSettings settings() {
        return settings;
    }

    @Override
    public void close() {
        if (kafkaInference != null) {
            kafkaInference.close();
        }
        if (softLabelFeed != null) {
            softLabelFeed.close();
        }
        subscription.close();
        if (controlWriter != null) {
            controlWriter.close();
        }
        sideProducer.close(Duration.ofSeconds(5));
        blobs.close();
        slot.clear();
        endpoint.close();
    }
}
