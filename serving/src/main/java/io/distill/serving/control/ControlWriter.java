package io.distill.serving.control;

import io.distill.core.topics.Topic;
import io.distill.schema.CheckpointControl;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Writes {@link CheckpointControl} records (keyed by model name) to the compacted control topic and waits for the
 * broker's acknowledgement. Whether the caller may write there is decided by Kafka ACLs on that topic: a refusal
 * comes back as an authorization error naming the topic.
 */
public final class ControlWriter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ControlWriter.class);

    private final Topic<String, CheckpointControl> topic;
    private final KafkaProducer<byte[], byte[]> producer;

    public ControlWriter(Topic<String, CheckpointControl> topic, Map<String, Object> kafkaClientProperties) {
        this.topic = topic;
        Map<String, Object> props = new HashMap<>(kafkaClientProperties);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        this.producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    public RecordMetadata write(CheckpointControl control) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic.name(),
                control.getModelName().getBytes(StandardCharsets.UTF_8), topic.serializeValue(control));
        try {
            RecordMetadata meta = producer.send(record).get(30, TimeUnit.SECONDS);
            log.info("wrote control record for {}: {} {} denied {} by {} ({})", control.getModelName(),
                    control.getMode(), control.getVersion() == null ? "" : control.getVersion(), control.getDenied(),
                    control.getActor(), control.getReason());
            return meta;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted writing the control record", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("writing the control record to " + topic.name() + " failed: "
                    + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("writing the control record to " + topic.name() + " timed out", e);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
