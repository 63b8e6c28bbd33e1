package io.distill.trainer.service;

import io.distill.trainer.eval.HoldoutMetrics;
import io.distill.trainer.tuning.TuningChange;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The trainer's Micrometer meters: samples trained (a counter, so samples/s is its rate), loss, hold-out metrics of
 * the candidate, the published version, gate decisions, consumer lag, the temperature and alpha in use (with the
 * self-tuning's changes), the native arrays the student holds, offsets not yet covered by a published version and
 * transactional producers replaced.
 */
final class TrainerMetrics {

    private final Counter samples;
    private final Counter steps;
    private final Counter rejections;
    private final Counter deferrals;
    private final Counter publications;
    private final Counter publishFailures;
    private final Counter tuningChanges;
    private final Counter retirements;
    private final Counter producerRestarts;
    private volatile double temperature = Double.NaN;
    private volatile double alpha = Double.NaN;
    private volatile double loss = Double.NaN;
    private volatile double samplesPerSecond;
    private volatile HoldoutMetrics candidate;
    private volatile double churn = Double.NaN;
    private final AtomicLong publishedVersion = new AtomicLong();

    TrainerMetrics(MeterRegistry registry, String model, Supplier<Long> lag, Supplier<Number> replaySize,
                   Supplier<Number> holdoutSize, Supplier<Number> nativeArrays, Supplier<Number> unpublishedOffsets) {
        samples = Counter.builder("distill.trainer.samples").tag("model", model)
                .description("Samples trained, replayed ones counted per use").register(registry);
        steps = Counter.builder("distill.trainer.steps").tag("model", model).register(registry);
        rejections = Counter.builder("distill.trainer.gate.rejections").tag("model", model).register(registry);
        deferrals = Counter.builder("distill.trainer.gate.deferrals").tag("model", model).register(registry);
        publications = Counter.builder("distill.trainer.publications").tag("model", model).register(registry);
        publishFailures = Counter.builder("distill.trainer.publish.failures").tag("model", model).register(registry);
        Gauge.builder("distill.trainer.loss", () -> loss).tag("model", model).register(registry);
        Gauge.builder("distill.trainer.samples.per.second", () -> samplesPerSecond).tag("model", model)
                .register(registry);
        Gauge.builder("distill.trainer.published.version", publishedVersion::get).tag("model", model)
                .register(registry);
        Gauge.builder("distill.trainer.consumer.lag", () -> lag.get()).tag("model", model)
                .description("Records of the examples topic not yet trained").register(registry);
        Gauge.builder("distill.trainer.replay.size", replaySize).tag("model", model).register(registry);
        Gauge.builder("distill.trainer.holdout.size", holdoutSize).tag("model", model).register(registry);
        Gauge.builder("distill.trainer.native.arrays", nativeArrays).tag("model", model)
                .description("Native arrays the student's model holds (parameters, gradients, optimizer state, the"
                        + " published copy); constant once training runs, growth is a native-memory leak")
                .register(registry);
        Gauge.builder("distill.trainer.unpublished.offsets", unpublishedOffsets).tag("model", model)
                .description("Offsets of the examples topic trained on but not yet covered by a published version")
                .register(registry);
        Gauge.builder("distill.trainer.holdout.agreement", () -> candidate == null ? Double.NaN : candidate.agreement())
                .tag("model", model).register(registry);
        Gauge.builder("distill.trainer.holdout.accuracy", () -> candidate == null ? Double.NaN : candidate.accuracy())
                .tag("model", model).register(registry);
        Gauge.builder("distill.trainer.holdout.kl", () -> candidate == null ? Double.NaN : candidate.kl())
                .tag("model", model).register(registry);
        Gauge.builder("distill.trainer.holdout.ece", () -> candidate == null ? Double.NaN : candidate.ece())
                .tag("model", model).register(registry);
        Gauge.builder("distill.trainer.churn", () -> churn).tag("model", model).register(registry);
        Gauge.builder("distill.trainer.distillation.temperature", () -> temperature).tag("model", model)
                .description("Temperature of the last trained batch (self-tuned or scheduled)").register(registry);
        Gauge.builder("distill.trainer.distillation.alpha", () -> alpha).tag("model", model)
                .description("Weight of the soft-target term of the last trained batch").register(registry);
        retirements = Counter.builder("distill.trainer.retired.versions").tag("model", model)
                .description("Versions retired by the retention policy").register(registry);
        producerRestarts = Counter.builder("distill.trainer.producer.restarts").tag("model", model)
                .description("Transactional producers replaced after the coordinator refused them").register(registry);
        tuningChanges = Counter.builder("distill.trainer.tuning.changes").tag("model", model)
                .description("Temperature/alpha changes made by self-tuning").register(registry);
    }

    void retired(int versions) {
        retirements.increment(versions);
    }

    void producerRestarted() {
        producerRestarts.increment();
    }

    void distilledWith(double temperature, double alpha) {
        this.temperature = temperature;
        this.alpha = alpha;
    }

    void tuned(TuningChange change) {
        tuningChanges.increment();
        distilledWith(change.to().temperature(), change.to().alpha());
    }

    void step(int batchSamples, float batchLoss) {
        samples.increment(batchSamples);
        steps.increment();
        loss = batchLoss;
    }

    void throughput(double perSecond) {
        samplesPerSecond = perSecond;
    }

    void evaluated(HoldoutMetrics metrics, double churn) {
        this.candidate = metrics;
        this.churn = churn;
    }

    void rejected() {
        rejections.increment();
    }

    void deferred() {
        deferrals.increment();
    }

    void published(long version) {
        publications.increment();
        publishedVersion.set(version);
    }

    void restored(long version) {
        publishedVersion.set(version);
    }

    void publishFailed() {
        publishFailures.increment();
    }

    long rejections() {
        return (long) rejections.count();
    }
}
