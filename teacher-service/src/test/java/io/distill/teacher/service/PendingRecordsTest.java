package io.distill.teacher.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class PendingRecordsTest {

    private static final TopicPartition P0 = new TopicPartition("requests", 0);
    private static final TopicPartition P1 = new TopicPartition("requests", 1);

    @Test
    void commitsOnlyTheCompletedPrefixOfEachPartition() {
        PendingRecords pending = new PendingRecords();
        CompletableFuture<Outcome> a = new CompletableFuture<>();
        CompletableFuture<Outcome> b = new CompletableFuture<>();
        CompletableFuture<Outcome> c = new CompletableFuture<>();
        pending.add(P0, 10, a);
        pending.add(P0, 11, b);
        pending.add(P0, 12, c);
        pending.add(P1, 5, CompletableFuture.completedFuture(new Outcome.SampledOut()));

        b.complete(new Outcome.SampledOut());
        c.complete(new Outcome.SampledOut());
        List<Outcome> drained = new ArrayList<>();
        assertEquals(1, pending.drainCompleted(drained::add), "offset 10 still open blocks 11 and 12");
        Map<TopicPartition, OffsetAndMetadata> offsets = pending.committableOffsets();
        assertEquals(Map.of(P1, new OffsetAndMetadata(6)), offsets);
        assertEquals(3, pending.size());

        a.complete(new Outcome.SampledOut());
        assertEquals(3, pending.drainCompleted(drained::add));
        assertEquals(new OffsetAndMetadata(13), pending.committableOffsets().get(P0));
        assertTrue(pending.isEmpty());
        pending.committed();
        assertFalse(pending.hasCommittable());
    }

    @Test
    void forgettingARevokedPartitionDropsItsWork() {
        PendingRecords pending = new PendingRecords();
        pending.add(P0, 1, new CompletableFuture<>());
        pending.add(P1, 1, new CompletableFuture<>());
        pending.add(P1, 2, new CompletableFuture<>());
        assertEquals(3, pending.incomplete().size());
        pending.forget(List.of(P1));
        assertEquals(1, pending.size());
        pending.clear();
        assertTrue(pending.isEmpty());
    }
}
