package io.distill.teacher.service;

import io.distill.core.config.DistillConfig;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything the serving loop needs besides the model and the codecs; built from the validated
 * configuration by the command, or directly by tests and benchmarks.
 *
 * @param bootstrapServers Kafka bootstrap servers
 * @param kafkaProperties extra client properties passed to the consumer and producer
 * @param requestsTopic topic of InferenceRequests
 * @param softLabelsTopic topic the soft labels go to
 * @param responsesTopic topic for Predictions, or null to publish none
 * @param deadLettersTopic topic of refused records
 * @param groupId consumer group (one per teacher id)
 * @param transactionalId stable transactional id of this instance (exactly-once only)
 * @param guarantee exactly-once or at-least-once
 * @param maxBatchSize largest inference batch
 * @param maxBatchWait longest wait of a batch's oldest input
 * @param workers inference worker threads, each with its own predictor
 * @param maxInFlight records consumed but not yet committed before the consumer pauses
 * @param commitInterval how often outputs and offsets are committed
 * @param form dense or top-k soft labels
 * @param topK k for top-k soft labels
 * @param sampleFraction share of requests the teacher labels
 * @param simulatedLatency extra time added to every batch (to study a slow teacher); zero normally
 * @param shutdownTimeout how long a graceful stop waits for in-flight batches
 */
public record TeacherServiceSettings(
        String bootstrapServers,
        Map<String, String> kafkaProperties,
        String requestsTopic,
        String softLabelsTopic,
        String responsesTopic,
        String deadLettersTopic,
        String groupId,
        String transactionalId,
        DeliveryGuarantee guarantee,
        int maxBatchSize,
        Duration maxBatchWait,
        int workers,
        int maxInFlight,
        Duration commitInterval,
        SoftLabelForm form,
        int topK,
        double sampleFraction,
        Duration simulatedLatency,
        Duration shutdownTimeout) {

    public TeacherServiceSettings {
        kafkaProperties = Map.copyOf(kafkaProperties);
        if (maxBatchSize < 1 || workers < 1 || maxInFlight < 1 || topK < 1) {
            throw new IllegalArgumentException("batch size, workers, max in-flight and top-k must be at least 1");
        }
        if (!(sampleFraction >= 0 && sampleFraction <= 1)) {
            throw new IllegalArgumentException("sample fraction must be in [0, 1]");
        }
    }

    /** @return the most records one poll may return: at most half the in-flight limit, at most 500 */
    public int maxPollRecords() {
        return Math.max(1, Math.min(500, maxInFlight / 2));
    }

    /** The settings with secret client properties (JAAS line, passwords) masked, as they may end up in a log line. */
    @Override
    public String toString() {
        Map<String, String> masked = new TreeMap<>();
        kafkaProperties.forEach((k, v) -> masked.put(k, DistillConfig.maskedValue(k, v)));
        return "TeacherServiceSettings[bootstrapServers=" + bootstrapServers + ", kafkaProperties=" + masked
                + ", requestsTopic=" + requestsTopic + ", softLabelsTopic=" + softLabelsTopic + ", responsesTopic="
                + responsesTopic + ", deadLettersTopic=" + deadLettersTopic + ", groupId=" + groupId
                + ", transactionalId=" + transactionalId + ", guarantee=" + guarantee + ", maxBatchSize=" + maxBatchSize
                + ", maxBatchWait=" + maxBatchWait + ", workers=" + workers + ", maxInFlight=" + maxInFlight
                + ", commitInterval=" + commitInterval + ", form=" + form + ", topK=" + topK + ", sampleFraction="
                + sampleFraction + ", simulatedLatency=" + simulatedLatency + ", shutdownTimeout=" + shutdownTimeout + "]";
    }

    /** @return a copy with another transactional id (e.g. per test instance) */
    public TeacherServiceSettings withTransactionalId(String id) {
        return new TeacherServiceSettings(bootstrapServers, kafkaProperties, requestsTopic, softLabelsTopic,
                responsesTopic, deadLettersTopic, groupId, id, guarantee, maxBatchSize, maxBatchWait, workers,
                maxInFlight, commitInterval, form, topK, sampleFraction, simulatedLatency, shutdownTimeout);
    }
}
