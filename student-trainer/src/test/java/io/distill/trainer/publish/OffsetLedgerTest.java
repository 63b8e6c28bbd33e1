package io.distill.trainer.publish;

import io.distill.schema.OffsetRange;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OffsetLedgerTest {

    private static final TopicPartition P0 = new TopicPartition("examples", 0);
    private static final TopicPartition P1 = new TopicPartition("examples", 1);

    @Test
    void consecutivePublicationsHaveContiguousRanges() {
        OffsetLedger ledger = new OffsetLedger();
        ledger.start(Map.of(P0, 0L, P1, 5L));
        assertFalse(ledger.hasNewData());
        ledger.advance(Map.of(P0, 10L, P1, 5L));
        ledger.advance(Map.of(P0, 20L, P1, 9L));
        assertTrue(ledger.hasNewData());
        List<OffsetRange> first = ledger.rangesSincePublished();
        assertEquals(List.of(range(0, 0, 20), range(1, 5, 9)), first);
        ledger.markPublished();
        assertFalse(ledger.hasNewData());
        ledger.advance(Map.of(P0, 31L));
        List<OffsetRange> second = ledger.rangesSincePublished();
        assertEquals(List.of(range(0, 20, 31), range(1, 9, 9)), second);
        for (int i = 0; i < first.size(); i++) {
            assertEquals(first.get(i).getUntilOffset(), second.get(i).getFromOffset());
        }
        assertEquals(31L, ledger.offsetsToCommit().get(P0).offset());
    }

    @Test
    void unpublishedOffsetsCountWhatNoPublishedVersionCovers() {
        OffsetLedger ledger = new OffsetLedger();
        ledger.start(Map.of(P0, 0L, P1, 5L));
        assertEquals(0, ledger.unpublishedOffsets());
        ledger.advance(Map.of(P0, 40L, P1, 7L));
        assertEquals(42, ledger.unpublishedOffsets());
        ledger.markPublished();
        assertEquals(0, ledger.unpublishedOffsets());
        ledger.advance(Map.of(P1, 10L));
        assertEquals(3, ledger.unpublishedOffsets());
    }

    @Test
    void rejectedCandidatesKeepAccumulatingSinceTheLastPublication() {
        OffsetLedger ledger = new OffsetLedger();
        ledger.start(Map.of(P0, 100L));
        ledger.advance(Map.of(P0, 150L));
        // a gate rejection publishes nothing: no markPublished()
        ledger.advance(Map.of(P0, 190L));
        assertEquals(List.of(range(0, 100, 190)), ledger.rangesSincePublished());
    }

    @Test
    void positionsNeverMoveBackwardsAndUnknownPartitionsAreRefused() {
        OffsetLedger ledger = new OffsetLedger();
        ledger.start(Map.of(P0, 10L));
        assertThrows(IllegalStateException.class, () -> ledger.advance(Map.of(P0, 9L)));
        assertThrows(IllegalStateException.class, () -> ledger.advance(Map.of(P1, 1L)));
    }

    private static OffsetRange range(int partition, long from, long until) {
        return OffsetRange.newBuilder().setTopic("examples").setPartition(partition).setFromOffset(from)
                .setUntilOffset(until).build();
    }
}
