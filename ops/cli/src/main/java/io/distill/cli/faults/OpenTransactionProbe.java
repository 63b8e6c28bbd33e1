package io.distill.cli.faults;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Whether a producer has a transaction open on some topics: the difference between each partition's high watermark
 * (what {@code read_uncommitted} sees) and its last stable offset (what {@code read_committed} sees). When a role is
 * the only writer of its output topics, a difference right after the role was killed means the kill landed inside
 * a transaction that had written records; the transaction is aborted when the role comes back (fencing) or times out.
 */
public final class OpenTransactionProbe {

    private final Admin admin;

    public OpenTransactionProbe(Admin admin) {
        this.admin = admin;
    }

    /** Records written to {@code topics} but not yet committed or aborted; -1 when the broker did not answer. */
    public long uncommittedRecords(Collection<String> topics) {
        try {
            Map<String, TopicDescription> described = admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            described.values().forEach(d -> d.partitions().forEach(p ->
                    latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest())));
            var hw = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)).all()
                    .get(10, TimeUnit.SECONDS);
            var lso = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
                    .get(10, TimeUnit.SECONDS);
            long open = 0;
            for (TopicPartition tp : latest.keySet()) {
                open += hw.get(tp).offset() - lso.get(tp).offset();
            }
            return open;
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
