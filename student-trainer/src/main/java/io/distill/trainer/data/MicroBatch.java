package io.distill.trainer.data;

import org.apache.kafka.common.TopicPartition;

import java.util.List;
import java.util.Map;

/**
 * Samples decoded off the training thread, with the stream position they bring the trainer to: for each partition,
 * the next offset after every record handled up to and including this batch (examples, corrections and dead-lettered
 * records alike). Training a batch therefore moves the lineage's offsets to exactly {@link #untilOffsets()}.
 */
public record MicroBatch(List<Sample> samples, Map<TopicPartition, Long> untilOffsets) {

    public int size() {
        return samples.size();
    }
}
