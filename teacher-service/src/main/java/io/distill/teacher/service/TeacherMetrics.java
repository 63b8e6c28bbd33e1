package io.distill.teacher.service;

import io.distill.core.deadletter.ReasonCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The service's Micrometer meters, all tagged with the teacher id. Rates (requests/s) come from
 * the counters in Prometheus ({@code rate(distill_teacher_requests_total[1m])}).
 */
public final class TeacherMetrics implements MicroBatcher.BatchObserver {

    private final MeterRegistry registry;
    private final String teacherId;
    private final Counter labelled;
    private final Counter sampledOut;
    private final DistributionSummary batchSize;
    private final Timer inferenceLatency;
    private final Timer endToEndLag;
    private final Timer commitLatency;
    private final Counter failedBatches;
    private final Counter pauses;
    private final Counter producerRestarts;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger peakInFlight = new AtomicInteger();
    private final LongAdder batches = new LongAdder();
    private final LongAdder batchedInputs = new LongAdder();
    private final AtomicLong deadLetterTotal = new AtomicLong();

    /** The registry the service's meters (and its Kafka clients' metrics) are registered in. */
    public MeterRegistry registry() {
        return registry;
    }

    public TeacherMetrics(MeterRegistry registry, String teacherId) {
        this.registry = registry;
        this.teacherId = teacherId;
        this.labelled = Counter.builder("distill.teacher.requests").tag("teacher", teacherId).tag("outcome", "labelled")
                .description("Requests consumed, by outcome").register(registry);
        this.sampledOut = Counter.builder("distill.teacher.requests").tag("teacher", teacherId)
                .tag("outcome", "sampled_out").description("Requests consumed, by outcome").register(registry);
        this.batchSize = DistributionSummary.builder("distill.teacher.batch.size").tag("teacher", teacherId)
                .description("Inputs per inference batch").register(registry);
        this.inferenceLatency = Timer.builder("distill.teacher.inference.latency").tag("teacher", teacherId)
                .description("Time of one batched forward pass").publishPercentiles(0.5, 0.99).register(registry);
        this.endToEndLag = Timer.builder("distill.teacher.end_to_end.lag").tag("teacher", teacherId)
                .description("From the request's event time to its soft label being produced")
                .publishPercentiles(0.5, 0.99).register(registry);
        this.commitLatency = Timer.builder("distill.teacher.commit.latency").tag("teacher", teacherId)
                .description("Time to commit outputs and offsets (transaction commit under exactly-once)")
                .register(registry);
        this.failedBatches = Counter.builder("distill.teacher.inference.failures").tag("teacher", teacherId)
                .register(registry);
        this.pauses = Counter.builder("distill.teacher.consumer.pauses").tag("teacher", teacherId)
                .description("Times the consumer paused because too much work was in flight").register(registry);
        this.producerRestarts = Counter.builder("distill.teacher.producer.restarts").tag("teacher", teacherId)
                .description("Transactional producers replaced after the coordinator refused the previous one")
                .register(registry);
        Gauge.builder("distill.teacher.in_flight", inFlight, AtomicInteger::get).tag("teacher", teacherId)
                .description("Records consumed and not yet committed").register(registry);
    }

    @Override
    public void batchDone(int size, long inferenceNanos, boolean failed) {
        batchSize.record(size);
        inferenceLatency.record(inferenceNanos, TimeUnit.NANOSECONDS);
        batches.increment();
        batchedInputs.add(size);
        if (failed) {
            failedBatches.increment();
        }
    }

    void labelled(Duration lag) {
        labelled.increment();
        endToEndLag.record(lag.isNegative() ? Duration.ZERO : lag);
    }

    void sampledOut() {
        sampledOut.increment();
    }

    void deadLettered(ReasonCode reason) {
        deadLetterTotal.incrementAndGet();
        Counter.builder("distill.teacher.requests").tag("teacher", teacherId).tag("outcome", "dead_letter")
                .register(registry).increment();
        Counter.builder("distill.teacher.dead_letters").tag("teacher", teacherId).tag("reason", reason.name())
                .description("Records sent to the dead-letter topic, by reason").register(registry).increment();
    }

    void committed(long nanos) {
        commitLatency.record(nanos, TimeUnit.NANOSECONDS);
    }

    void paused() {
        pauses.increment();
    }

    void inFlight(int n) {
        inFlight.set(n);
        peakInFlight.accumulateAndGet(n, Math::max);
    }

    // ---- read by tests and benchmarks

    public long labelledCount() {
        return (long) labelled.count();
    }

    public long sampledOutCount() {
        return (long) sampledOut.count();
    }

    public long deadLetterCount() {
        return deadLetterTotal.get();
    }

    public int peakInFlight() {
        return peakInFlight.get();
    }

    public long pauseCount() {
        return (long) pauses.count();
    }

    public void producerRestarted() {
        producerRestarts.increment();
    }

    public long producerRestartCount() {
        return (long) producerRestarts.count();
    }

    /** @return mean inputs per batch since start */
    public double meanBatchSize() {
        long b = batches.sum();
        return b == 0 ? 0 : (double) batchedInputs.sum() / b;
    }

    public long batchCount() {
        return batches.sum();
    }

    /** @return mean commit time in milliseconds */
    public double meanCommitMillis() {
        return commitLatency.mean(TimeUnit.MILLISECONDS);
    }

    /** @return mean end-to-end lag in milliseconds */
    public double meanLagMillis() {
        return endToEndLag.mean(TimeUnit.MILLISECONDS);
    }
}
