package io.distill.serving.quality;

import io.distill.core.registry.RegistryException;
import io.distill.core.topics.Topic;
import io.distill.schema.SoftLabel;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Feeds the teachers' soft labels into {@link LiveAgreement}: every server reads the soft-label topic on its own
 * (all partitions assigned, no consumer group, read_committed), starting at the end, since only labels of requests
 * it answers from now on can be compared. Labels in another label space are ignored; undecodable ones are skipped
 * (the teacher side dead-letters its own output problems).
 */
public final class SoftLabelFeed implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SoftLabelFeed.class);

    private final Topic<String, SoftLabel> softLabels;
    private final LiveAgreement agreement;
    private final String labelSpaceId;
    private final int labelSpaceVersion;
    private final Map<String, Object> props;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile KafkaConsumer<byte[], byte[]> consumer;

    public SoftLabelFeed(Topic<String, SoftLabel> softLabels, LiveAgreement agreement, String labelSpaceId,
                         int labelSpaceVersion, Map<String, Object> kafkaClientProperties) {
        this.softLabels = softLabels;
        this.agreement = agreement;
        this.labelSpaceId = labelSpaceId;
        this.labelSpaceVersion = labelSpaceVersion;
        this.props = new HashMap<>(kafkaClientProperties);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        this.thread = new Thread(this::run, "soft-label-feed");
        thread.setDaemon(true);
    }

    public SoftLabelFeed start() {
        thread.start();
        return this;
    }

    private void run() {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer = c;
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : c.partitionsFor(softLabels.name(), Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(info.topic(), info.partition()));
            }
            c.assign(partitions);
            c.seekToEnd(partitions);
            partitions.forEach(c::position);
            log.info("comparing answers with soft labels from {}", softLabels.name());
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : c.poll(Duration.ofMillis(200))) {
                    handle(record);
                }
            }
        } catch (WakeupException e) {
            if (running) {
                log.error("soft-label feed woken up unexpectedly", e);
            }
        } catch (RuntimeException e) {
            log.error("soft-label feed stopped", e);
        } finally {
            consumer = null;
        }
    }

    private void handle(ConsumerRecord<byte[], byte[]> record) {
        SoftLabel label;
        try {
            label = softLabels.valueDeserializer().deserialize(record.topic(), record.headers(), record.value());
        } catch (RegistryException e) {
            log.warn("schema registry unavailable, a soft label is not compared: {}", e.toString());
            return;
        } catch (RuntimeException e) {
            log.debug("skipping undecodable soft label at {}-{}@{}: {}", record.topic(), record.partition(),
                    record.offset(), e.toString());
            return;
        }
        if (label == null || !labelSpaceId.equals(label.getLabelSpace().getId())
                || label.getLabelSpace().getVersion() != labelSpaceVersion) {
            return;
        }
        agreement.teacherLabelled(label.getRequestId(), label.getArgmax());
    }

    @Override
    public void close() {
        running = false;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
