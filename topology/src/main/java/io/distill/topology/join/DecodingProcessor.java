package io.distill.topology.join;

import io.distill.schema.DeadLetter;
import io.distill.topology.DistillTopology;
import io.distill.topology.accounting.Disposition;
import io.distill.topology.accounting.DispositionLedger;
import io.distill.core.deadletter.DeadLetterRecords;
import io.distill.core.deadletter.ReasonCode;
import io.distill.topology.deadletter.ReasonCodes;
import io.distill.topology.metrics.TopologyMetrics;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes one input topic's raw records and validates them. A good record goes on to the example
 * assembler; a bad one (undecodable, wrong key, invalid tensor or target) goes, with its raw bytes,
 * to the dead-letters sink, inside the same transaction, and processing moves on. Failures that are
 * not the record's fault (registry unreachable) are rethrown so the task is retried.
 *
 * <p>For the requests topic it also counts every record read and the dead-lettered ones in the
 * disposition ledger.
 */
public final class DecodingProcessor<T> implements Processor<byte[], byte[], String, Object> {

    private static final Logger log = LoggerFactory.getLogger(DecodingProcessor.class);

    private final String source;
    private final Deserializer<T> deserializer;
    private final RecordValidator<T> validator;
    private final boolean countsRequests;
    private final DeadLetterRecords deadLetters;
    private final TopologyMetrics metrics;
    private ProcessorContext<String, Object> context;
    private DispositionLedger ledger;

    /**
     * @param source logical input name (requests, soft-labels, ground-truth), used in metrics and the stage
     * @param deserializer the topic's value format
     * @param validator checks on the decoded value
     * @param countsRequests true for the requests topic
     */
    public DecodingProcessor(String source, Deserializer<T> deserializer, RecordValidator<T> validator,
            boolean countsRequests, DeadLetterRecords deadLetters, TopologyMetrics metrics) {
        this.source = source;
        this.deserializer = deserializer;
        this.validator = validator;
        this.countsRequests = countsRequests;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        if (countsRequests) {
            KeyValueStore<String, Long> store = context.getStateStore(DistillTopology.DISPOSITIONS_STORE);
            this.ledger = new DispositionLedger(store, metrics);
        }
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        if (ledger != null) {
            ledger.received();
        }
        String topic = context.recordMetadata().map(RecordMetadata::topic).orElse(source);
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        if (key == null || key.isEmpty()) {
            refuse(record, key, ReasonCode.INVALID_RECORD, "record has no key (request id)", null);
            return;
        }
        T value;
        try {
            if (record.value() == null) {
                refuse(record, key, ReasonCode.EMPTY_RECORD, "record has no value", null);
                return;
            }
            value = deserializer.deserialize(topic, record.headers(), record.value());
            if (value == null) {
                refuse(record, key, ReasonCode.EMPTY_RECORD, "value decoded to null", null);
                return;
            }
            validator.validate(key, value);
        } catch (RuntimeException e) {
            if (ReasonCodes.isTransient(e)) {
                throw e;
            }
            refuse(record, key, ReasonCodes.of(e), e.getMessage(), e);
            return;
        }
        context.forward(new Record<String, Object>(key, value, record.timestamp(), record.headers()),
                DistillTopology.ASSEMBLER);
    }

    private void refuse(Record<byte[], byte[]> record, String key, ReasonCode reasonCode, String reason, Throwable error) {
        RecordMetadata meta = context.recordMetadata().orElse(null);
        DeadLetter letter = deadLetters.build(
                meta == null ? source : meta.topic(),
                meta == null ? -1 : meta.partition(),
                meta == null ? -1 : meta.offset(),
                record.key(), record.value(), "topology/decode-" + source, reasonCode, reason, error);
        log.debug("dead-lettering a {} record: {} {}", source, reasonCode, reason);
        metrics.deadLetter(source, reasonCode.name());
        if (ledger != null) {
            ledger.record(Disposition.deadLettered(reasonCode.name()));
        }
        context.forward(new Record<String, Object>(key, letter, context.currentSystemTimeMs()),
                DistillTopology.DEAD_LETTERS_SINK);
    }
}
