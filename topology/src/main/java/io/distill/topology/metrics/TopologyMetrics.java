package io.distill.topology.metrics;

import io.distill.topology.accounting.Disposition;
import io.distill.topology.accounting.Outcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Locale;

/**
 * The topology's Prometheus counters. They count what the processors did and may count a record
 * twice when a task is retried; the exact, exactly-once counts are in the dispositions store.
 *
 * <ul>
 *   <li>{@code distill_topology_requests_received_total}
 *   <li>{@code distill_topology_examples_total{split}} — examples/s by split is its rate
 *   <li>{@code distill_topology_dispositions_total{outcome,reason}}
 *   <li>{@code distill_topology_late_labels_total{outcome}} — corrected, expired, no_example
 *   <li>{@code distill_topology_teacher_contributions_total{teacher}} and
 *       {@code distill_topology_teacher_weight_sum{teacher}} (sum of the teacher's normalised weights)
 *   <li>{@code distill_topology_soft_labels_ignored_total{reason}}
 *   <li>{@code distill_topology_dead_letters_total{source,reason}}
 * </ul>
 */
public final class TopologyMetrics {

    private final MeterRegistry registry;

    public TopologyMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** @return metrics that go nowhere but can still be read, for tests and tools */
    public static TopologyMetrics inMemory() {
        return new TopologyMetrics(new SimpleMeterRegistry());
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void requestReceived() {
        registry.counter("distill.topology.requests.received").increment();
    }

    public void disposition(Disposition disposition) {
        String reason = disposition.detail() == null ? "" : disposition.detail();
        registry.counter("distill.topology.dispositions",
                "outcome", disposition.outcome().name().toLowerCase(Locale.ROOT), "reason", reason).increment();
        if (disposition.outcome() == Outcome.EXAMPLE) {
            registry.counter("distill.topology.examples", "split", reason).increment();
        }
    }

    /** @param outcome corrected, expired or no_example */
    public void lateLabel(String outcome) {
        registry.counter("distill.topology.late.labels", "outcome", outcome).increment();
    }

    public void teacherContribution(String teacherId, double weight) {
        registry.counter("distill.topology.teacher.contributions", "teacher", teacherId).increment();
        registry.counter("distill.topology.teacher.weight.sum", "teacher", teacherId).increment(weight);
    }

    /** @param reason unknown_teacher, repeated, late or orphaned */
    public void softLabelIgnored(String reason) {
        registry.counter("distill.topology.soft.labels.ignored", "reason", reason).increment();
    }

    /** @param reason repeated or orphaned */
    public void groundTruthIgnored(String reason) {
        registry.counter("distill.topology.ground.truth.ignored", "reason", reason).increment();
    }

    public void deadLetter(String source, String reasonCode) {
        registry.counter("distill.topology.dead.letters", "source", source, "reason", reasonCode).increment();
    }

    /** @return the current value of a counter, 0 when it does not exist */
    public double count(String name, String... tags) {
        Counter c = registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }
}
