package io.distill.topology.accounting;

import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * A snapshot of the disposition counts: requests received, and how many ended in each
 * disposition. {@code pending} = received − decided: requests still waiting for teachers.
 */
public record DispositionSummary(long received, Map<String, Long> dispositions) {

    /** Sums a (possibly multi-task) store view. */
    public static DispositionSummary of(ReadOnlyKeyValueStore<String, Long> store) {
        Map<String, Long> counts = new TreeMap<>();
        long received = 0;
        try (KeyValueIterator<String, Long> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, Long> kv = it.next();
                if (DispositionLedger.RECEIVED.equals(kv.key)) {
                    received += kv.value;
                } else {
                    counts.merge(kv.key, kv.value, Long::sum);
                }
            }
        }
        return new DispositionSummary(received, counts);
    }

    /** @return the requests that have a disposition */
    public long decided() {
        return dispositions.values().stream().mapToLong(Long::longValue).sum();
    }

    /** @return received − decided */
    public long pending() {
        return received - decided();
    }

    /** @return the count of one disposition key, 0 when absent */
    public long count(String key) {
        return dispositions.getOrDefault(key, 0L);
    }

    /** @return the total of one outcome over all its details */
    public long total(Outcome outcome) {
        String prefix = outcome.name().toLowerCase(java.util.Locale.ROOT);
        return dispositions.entrySet().stream()
                .filter(e -> e.getKey().equals(prefix) || e.getKey().startsWith(prefix + "."))
                .mapToLong(Map.Entry::getValue).sum();
    }

    /** @return a small JSON object: received, decided, pending and each disposition */
    public String toJson() {
        StringBuilder sb = new StringBuilder("{\"received\":").append(received)
                .append(",\"decided\":").append(decided())
                .append(",\"pending\":").append(pending())
                .append(",\"dispositions\":{");
        boolean first = true;
        for (Map.Entry<String, Long> e : dispositions.entrySet()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            sb.append('"').append(e.getKey().replace("\"", "")).append("\":").append(e.getValue());
        }
        return sb.append("}}").toString();
    }
}
