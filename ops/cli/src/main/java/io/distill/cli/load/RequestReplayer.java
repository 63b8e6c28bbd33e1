package io.distill.cli.load;

import io.distill.core.dataset.FashionMnist;
import io.distill.core.tensor.TensorCodec;
import io.distill.core.topics.Topic;
import io.distill.schema.GroundTruth;
import io.distill.schema.InferenceRequest;
import io.distill.schema.Tensor;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32;

/**
 * Replays a labelled data set as an application would use the system: {@link InferenceRequest}s at a chosen rate
 * and, for a fraction of them, a {@link GroundTruth} label that arrives after a delay. Each pass over the data uses
 * new request ids (as real traffic would see the same inputs again); the sample key is left to the topology, which
 * hashes the input, so a replayed input always lands in the same split.
 *
 * <p>Which requests get a label is a stable hash of the request id ({@link LabelSelection#BY_REQUEST}: every pass
 * labels other images) or of the item's index ({@link LabelSelection#BY_ITEM}: the same images are labelled in every
 * pass, as when a fixed share of the data set has labels). Besides the main ground-truth topic, further label streams
 * may be given, each with its own fraction, e.g. a second topic that receives every label for a comparison run.
 */
public final class RequestReplayer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RequestReplayer.class);

    /** Whether a label is chosen per request (new choice each pass) or per item of the data set (same every pass). */
    public enum LabelSelection { BY_REQUEST, BY_ITEM }

    /** A further topic that receives the labels of a fraction of the requests. */
    public record LabelStream(Topic<String, GroundTruth> topic, double fraction) {
        public LabelStream {
            checkFraction(fraction);
        }
    }

    /** What to replay and how fast. */
    public record Settings(String runId, String task, String sourceId, double ratePerSecond, long count,
                           double labelFraction, Duration labelDelay, LabelSelection labelSelection) {
        public Settings {
            checkFraction(labelFraction);
            if (count < 0 || ratePerSecond < 0) {
                throw new IllegalArgumentException("count and rate must not be negative");
            }
        }

        public Settings(String runId, String task, String sourceId, double ratePerSecond, long count,
                        double labelFraction, Duration labelDelay) {
            this(runId, task, sourceId, ratePerSecond, count, labelFraction, labelDelay, LabelSelection.BY_REQUEST);
        }
    }

    private static void checkFraction(double fraction) {
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new IllegalArgumentException("label fraction must be in [0, 1]: " + fraction);
        }
    }

    /** Counts of what was sent. */
    public record Stats(long requests, long labels, Duration elapsed) {
        public double requestsPerSecond() {
            return requests / Math.max(1e-9, elapsed.toNanos() / 1e9);
        }
    }

    private final KafkaProducer<String, InferenceRequest> requests;
    private final KafkaProducer<String, GroundTruth> labels;
    private final Topic<String, InferenceRequest> requestTopic;
    private final Topic<String, GroundTruth> labelTopic;
    private final List<LabelStream> extraLabelStreams;
    private final ScheduledExecutorService labelScheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ground-truth-delay");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong sentRequests = new AtomicLong();
    private final AtomicLong sentLabels = new AtomicLong();
    private volatile boolean stopped;

    public RequestReplayer(Map<String, Object> kafkaProperties, Topic<String, InferenceRequest> requestTopic,
                           Topic<String, GroundTruth> labelTopic) {
        this(kafkaProperties, requestTopic, labelTopic, List.of());
    }

    /** A replayer that also writes labels to {@code extraLabelStreams}, each for its own fraction of the requests. */
    public RequestReplayer(Map<String, Object> kafkaProperties, Topic<String, InferenceRequest> requestTopic,
                           Topic<String, GroundTruth> labelTopic, List<LabelStream> extraLabelStreams) {
        this.extraLabelStreams = List.copyOf(extraLabelStreams);
        Map<String, Object> props = new HashMap<>(kafkaProperties);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        this.requestTopic = requestTopic;
        this.labelTopic = labelTopic;
        this.requests = new KafkaProducer<>(props, requestTopic.keySerde().serializer(), requestTopic.valueSerde().serializer());
        this.labels = new KafkaProducer<>(props, labelTopic.keySerde().serializer(), labelTopic.valueSerde().serializer());
    }

    /** Whether the request with this id gets a ground-truth label: a stable hash, so reruns choose the same ones. */
    public static boolean labelled(String requestId, double fraction) {
        CRC32 crc = new CRC32();
        crc.update(requestId.getBytes(StandardCharsets.UTF_8));
        return crc.getValue() < fraction * (1L << 32);
    }

    /** Whether item {@code index} of the data set is labelled when labels are chosen {@link LabelSelection#BY_ITEM}. */
    public static boolean itemLabelled(int index, double fraction) {
        return labelled("item-" + index, fraction);
    }

    public static String requestId(String runId, long index, int size) {
        return runId + "-p" + (index / size) + "-" + (index % size);
    }

    /** Sends {@code settings.count()} requests cycling through {@code data}; blocks until sent (labels may follow). */
    public Stats replay(FashionMnist.Split data, Settings settings) {
        Instant start = Instant.now();
        long startNanos = System.nanoTime();
        double intervalNanos = settings.ratePerSecond() > 0 ? 1e9 / settings.ratePerSecond() : 0;
        int size = data.size();
        Tensor[] tensors = new Tensor[size];
        for (long i = 0; i < settings.count() && !stopped; i++) {
            int item = (int) (i % size);
            if (tensors[item] == null) {
                tensors[item] = TensorCodec.encode(data.images()[item], FashionMnist.IMAGE_SHAPE);
            }
            if (intervalNanos > 0) {
                long due = startNanos + (long) (i * intervalNanos);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
            String id = requestId(settings.runId(), i, size);
            Instant now = Instant.now();
            InferenceRequest request = InferenceRequest.newBuilder()
                    .setRequestId(id)
                    .setSourceId(settings.sourceId())
                    .setTask(settings.task())
                    .setEventTime(now)
                    .setInput(tensors[item])
                    .setSampleKey(null)
                    .setMetadata(Map.of("pass", Long.toString(i / size)))
                    .build();
            requests.send(new ProducerRecord<>(requestTopic.name(), id, request), (md, e) -> {
                if (e != null) {
                    log.warn("request {} not sent: {}", id, e.toString());
                } else {
                    sentRequests.incrementAndGet();
                }
            });
            String labelKey = settings.labelSelection() == LabelSelection.BY_ITEM ? "item-" + item : id;
            List<Topic<String, GroundTruth>> labelTargets = new ArrayList<>(1 + extraLabelStreams.size());
            if (labelled(labelKey, settings.labelFraction())) {
                labelTargets.add(labelTopic);
            }
            for (LabelStream stream : extraLabelStreams) {
                if (labelled(labelKey, stream.fraction())) {
                    labelTargets.add(stream.topic());
                }
            }
            if (!labelTargets.isEmpty()) {
                GroundTruth truth = GroundTruth.newBuilder()
                        .setRequestId(id)
                        .setLabelSpaceId(FashionMnist.LABEL_SPACE_ID)
                        .setLabelSpaceVersion(FashionMnist.LABEL_SPACE_VERSION)
                        .setLabel(data.labels()[item])
                        .setSource("replay")
                        .setLabelTime(now.plus(settings.labelDelay()))
                        .build();
                labelScheduler.schedule(() -> labelTargets.forEach(t -> sendLabel(t, truth)),
                        settings.labelDelay().toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        requests.flush();
        return new Stats(sentRequests.get(), sentLabels.get(), Duration.between(start, Instant.now()));
    }

    private void sendLabel(Topic<String, GroundTruth> topic, GroundTruth truth) {
        labels.send(new ProducerRecord<>(topic.name(), truth.getRequestId(), truth), (md, e) -> {
            if (e == null) {
                sentLabels.incrementAndGet();
            } else {
                log.warn("label for {} not sent: {}", truth.getRequestId(), e.toString());
            }
        });
    }

    public long requestsSent() {
        return sentRequests.get();
    }

    /** Labels sent, over every label stream. */
    public long labelsSent() {
        return sentLabels.get();
    }

    /** Stops a running replay after the current request. */
    public void stop() {
        stopped = true;
    }

    /** Waits for delayed labels still scheduled, then closes the producers. */
    @Override
    public void close() {
        labelScheduler.shutdown();
        try {
            labelScheduler.awaitTermination(2, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        labels.close(Duration.ofSeconds(30));
        requests.close(Duration.ofSeconds(30));
    }
}
