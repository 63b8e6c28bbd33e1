package io.distill.serving.server;

import io.distill.core.softtarget.SoftTargets;
import io.distill.serving.model.ModelLease;
import io.distill.serving.model.ModelSlot;
import io.distill.serving.quality.LiveAgreement;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Answers batches with the version served at the moment the request starts: the lease taken first pins that version
 * until the answer is complete, however many swaps happen meanwhile. Sampled answers that carry request ids are
 * handed to live quality monitoring.
 */
public final class PredictionService {

    private final ModelSlot slot;
    private final LiveAgreement liveAgreement;
    private final double sampleRate;
    private final Counter requests;
    private final Counter failures;
    private final Timer latency;

    public PredictionService(ModelSlot slot, LiveAgreement liveAgreement, double sampleRate, MeterRegistry registry) {
        this.slot = slot;
        this.liveAgreement = liveAgreement;
        this.sampleRate = sampleRate;
        this.requests = Counter.builder("distill_serving_predictions_total").tag("model", slot.modelName())
                .description("Inputs answered").register(registry);
        this.failures = Counter.builder("distill_serving_prediction_failures_total").tag("model", slot.modelName())
                .description("Prediction calls that failed").register(registry);
        this.latency = Timer.builder("distill_serving_prediction_latency").tag("model", slot.modelName())
                .description("Time to answer one batch").register(registry);
    }

    public ModelSlot slot() {
        return slot;
    }

    /**
     * Answers {@code inputs} with the version served now.
     *
     * @param requestIds ids of the rows (for live quality), or null
     * @throws io.distill.serving.model.ModelNotLoadedException before the first version is loaded
     * @throws io.distill.serving.model.InferenceException      when an input has the wrong size
     */
    public Answer predict(float[][] inputs, List<String> requestIds) {
        long started = System.nanoTime();
        try (ModelLease lease = slot.lease()) {
            float[][] probabilities = lease.predict(inputs);
            int[] classes = new int[probabilities.length];
            for (int i = 0; i < probabilities.length; i++) {
                classes[i] = SoftTargets.argmax(probabilities[i]);
            }
            long micros = (System.nanoTime() - started) / 1000;
            latency.record(java.time.Duration.ofNanos(System.nanoTime() - started));
            requests.increment(inputs.length);
            sample(requestIds, lease.version(), classes);
            return new Answer(slot.modelName(), lease.version(), classes, probabilities, micros);
        } catch (RuntimeException e) {
            failures.increment();
            throw e;
        }
    }

    private void sample(List<String> requestIds, long version, int[] classes) {
        if (liveAgreement == null || requestIds == null || sampleRate <= 0) {
            return;
        }
        for (int i = 0; i < classes.length && i < requestIds.size(); i++) {
            if (requestIds.get(i) != null && (sampleRate >= 1 || ThreadLocalRandom.current().nextDouble() < sampleRate)) {
                liveAgreement.answered(requestIds.get(i), version, classes[i]);
            }
        }
    }
}
