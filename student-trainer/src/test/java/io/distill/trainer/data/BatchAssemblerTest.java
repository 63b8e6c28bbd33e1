package io.distill.trainer.data;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchAssemblerTest {

    private static final TopicPartition P0 = new TopicPartition("examples", 0);
    private static final TopicPartition P1 = new TopicPartition("examples", 1);

    private static Sample s(String id) {
        return new Sample(id, new float[]{1}, null, 0, 1);
    }

    @Test
    void sealsFullBatchesWithThePositionAfterEveryHandledRecord() {
        BatchAssembler a = new BatchAssembler(2, Map.of(P0, 0L, P1, 40L));
        assertTrue(a.handled(P0, 0, s("a")).isEmpty());
        assertTrue(a.handled(P1, 40, null).isEmpty()); // a correction or dead letter still moves the position
        Optional<MicroBatch> batch = a.handled(P0, 1, s("b"));
        assertTrue(batch.isPresent());
        assertEquals(2, batch.get().size());
        assertEquals(Map.of(P0, 2L, P1, 41L), batch.get().untilOffsets());
    }

    @Test
    void flushSealsAPartialBatchAndNothingWhenEmpty() {
        BatchAssembler a = new BatchAssembler(128, Map.of(P0, 5L));
        assertTrue(a.flush().isEmpty());
        a.handled(P0, 5, s("a"));
        MicroBatch partial = a.flush().orElseThrow();
        assertEquals(1, partial.size());
        assertEquals(6L, partial.untilOffsets().get(P0));
        assertEquals(0, a.pendingSamples());
    }
}
