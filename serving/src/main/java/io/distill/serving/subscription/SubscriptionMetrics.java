package io.distill.serving.subscription;

import io.distill.schema.Precision;
import io.distill.serving.model.LoadedModel;
import io.distill.serving.model.ModelSlot;
import io.distill.serving.model.RefusalReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;

/** Metrics of the checkpoint subscription: served version, loads, refusals, load and commit-to-serve times. */
public final class SubscriptionMetrics {

    private final MeterRegistry registry;

    public SubscriptionMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void bindVersionGauge(String model, ModelSlot slot) {
        Gauge.builder("distill_serving_model_version", slot, ModelSlot::currentVersion)
                .description("Checkpoint version served now (-1 before the first load)")
                .tag("model", model)
                .register(registry);
        Gauge.builder("distill_serving_model_int8", slot, SubscriptionMetrics::int8)
                .description("1 when the served version came from an int8 checkpoint, 0 for float32, -1 before the "
                        + "first load")
                .tag("model", model)
                .register(registry);
    }

    private static double int8(ModelSlot slot) {
        return slot.current().map(LoadedModel::precision).map(p -> p == Precision.INT8 ? 1.0 : 0.0).orElse(-1.0);
    }

    void loaded(String model, Precision precision, Duration loadTime, long commitToServeMillis) {
        Counter.builder("distill_serving_checkpoints_loaded_total").tag("model", model)
                .tag("precision", precision.name())
                .description("Checkpoint versions swapped in, by stored precision").register(registry).increment();
        Timer.builder("distill_serving_checkpoint_load").tag("model", model)
                .description("Fetch, verify, build, load and warm-up time of a checkpoint")
                .register(registry).record(loadTime);
        if (commitToServeMillis >= 0) {
            Timer.builder("distill_serving_commit_to_serve").tag("model", model)
                    .description("Time from a manifest's commit to its version being served")
                    .register(registry).record(Duration.ofMillis(commitToServeMillis));
        }
    }

    void refused(String model, RefusalReason reason) {
        Counter.builder("distill_serving_checkpoints_refused_total").tag("model", model)
                .tag("reason", reason.name())
                .description("Checkpoint versions refused (corrupt, truncated, incompatible)")
                .register(registry).increment();
    }
}
