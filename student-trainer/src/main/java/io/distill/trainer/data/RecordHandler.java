package io.distill.trainer.data;

import io.distill.core.deadletter.ReasonCode;
import io.distill.schema.ExampleKind;
import io.distill.schema.TrainingExample;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.function.BiConsumer;

/**
 * What happens to one examples or hold-out record: decoded (retrying transient failures), dead-lettered when it
 * cannot be used, applied as a late label when it is a correction, or turned into a {@link Sample}.
 */
public final class RecordHandler {

    private static final Logger log = LoggerFactory.getLogger(RecordHandler.class);

    private final ExampleDecoder decoder;
    private final SampleConverter converter;
    private final DeadLetterSink deadLetters;
    private final BiConsumer<String, Integer> corrections;
    private final String stage;
    private final Duration retryBackoff;
    private final Counts counts = new Counts();
    private final boolean keepTeacherTargets;
    private final boolean keepUnlabelled;

    public RecordHandler(ExampleDecoder decoder, SampleConverter converter, DeadLetterSink deadLetters,
                         BiConsumer<String, Integer> corrections, String stage, Duration retryBackoff) {
        this(decoder, converter, deadLetters, corrections, stage, retryBackoff, true);
    }

    /**
     * @param keepTeacherTargets false to drop every example's teacher target after validation: the student then
     *                           learns from hard labels only (an example without one teaches nothing until a late
     *                           label reaches it)
     */
    public RecordHandler(ExampleDecoder decoder, SampleConverter converter, DeadLetterSink deadLetters,
                         BiConsumer<String, Integer> corrections, String stage, Duration retryBackoff,
                         boolean keepTeacherTargets) {
        this(decoder, converter, deadLetters, corrections, stage, retryBackoff, keepTeacherTargets, false);
    }

    /**
     * @param keepUnlabelled true to keep examples with neither a teacher target nor a hard label (peer-only samples
     *                       of a codistilling trainer) instead of dead-lettering them
     */
    public RecordHandler(ExampleDecoder decoder, SampleConverter converter, DeadLetterSink deadLetters,
                         BiConsumer<String, Integer> corrections, String stage, Duration retryBackoff,
                         boolean keepTeacherTargets, boolean keepUnlabelled) {
        this.keepTeacherTargets = keepTeacherTargets;
        this.keepUnlabelled = keepUnlabelled;
        this.decoder = decoder;
        this.converter = converter;
        this.deadLetters = deadLetters;
        this.corrections = corrections;
        this.stage = stage;
        this.retryBackoff = retryBackoff;
    }

    /** The sample the record carries, or {@code null} when it carried none (correction, dead letter). */
    public Sample handle(ConsumerRecord<byte[], byte[]> record) throws InterruptedException {
        if (record.value() == null) {
            // examples and holdout are not compacted: a null value is no tombstone but a record without content
            counts.deadLettered++;
            deadLetters.deadLetter(record, stage, ReasonCode.EMPTY_RECORD, "value is null");
            return null;
        }
        TrainingExample example = decodeRetrying(record);
        if (example == null) {
            return null;
        }
        if (example.getKind() == ExampleKind.LABEL_CORRECTION) {
            if (example.getHardLabel() != null) {
                corrections.accept(example.getRequestId().toString(), example.getHardLabel());
                counts.corrections++;
            }
            return null;
        }
        try {
            Sample sample = converter.convert(example, keepUnlabelled);
            counts.samples++;
            if (!sample.hasTeacher() && !sample.hasHardLabel()) {
                counts.unlabelled++;
            }
            return keepTeacherTargets ? sample : sample.withoutTeacher();
        } catch (InvalidExampleException e) {
            counts.deadLettered++;
            deadLetters.deadLetter(record, stage, e.reasonCode(), e.getMessage());
            return null;
        }
    }

    public Counts counts() {
        return counts;
    }

    private TrainingExample decodeRetrying(ConsumerRecord<byte[], byte[]> record) throws InterruptedException {
        while (true) {
            try {
                return decoder.decode(record);
            } catch (ExampleDecoder.UndecodableRecordException e) {
                counts.deadLettered++;
                deadLetters.deadLetter(record, stage, e.reasonCode(), e.getMessage());
                return null;
            } catch (ExampleDecoder.TransientDecodeException e) {
                log.warn("Decoding {}-{}@{} failed transiently, retrying in {}: {}", record.topic(),
                        record.partition(), record.offset(), retryBackoff, e.getMessage());
                Thread.sleep(retryBackoff.toMillis());
            }
        }
    }

    /** What the handler did so far; read for metrics (approximate across threads). */
    public static final class Counts {
        volatile long samples;
        volatile long corrections;
        volatile long deadLettered;
        volatile long unlabelled;

        public long samples() {
            return samples;
        }

        public long corrections() {
            return corrections;
        }

        public long deadLettered() {
            return deadLettered;
        }

        /** Samples kept with neither a teacher target nor a hard label (peer-only samples). */
        public long unlabelled() {
            return unlabelled;
        }
    }
}
