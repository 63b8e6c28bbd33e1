package io.distill.trainer.data;

import io.distill.core.deadletter.DeadLetterPublisher;
import io.distill.core.deadletter.ReasonCode;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dead letters through core's publisher on a plain (non-transactional) producer: at-least-once is enough for
 * records that are skipped anyway, and it keeps the checkpoint transactions small.
 */
public final class KafkaDeadLetterSink implements DeadLetterSink {

    private static final Logger log = LoggerFactory.getLogger(KafkaDeadLetterSink.class);

    private final DeadLetterPublisher publisher;
    private final Producer<byte[], byte[]> producer;

    public KafkaDeadLetterSink(DeadLetterPublisher publisher, Producer<byte[], byte[]> producer) {
        this.publisher = publisher;
        this.producer = producer;
    }

    @Override
    public void deadLetter(ConsumerRecord<byte[], byte[]> record, String stage, ReasonCode reasonCode, String message) {
        log.debug("Dead-lettering {}-{}@{}: {} {}", record.topic(), record.partition(), record.offset(), reasonCode,
                message);
        try {
            publisher.publish(producer, record, stage, reasonCode, message);
        } catch (RuntimeException e) {
            log.warn("Could not dead-letter {}-{}@{} ({}): {}", record.topic(), record.partition(), record.offset(),
                    reasonCode, e.toString());
        }
    }
}
