package io.distill.serving.server;

import io.distill.serving.model.ServingContract;
import io.distill.serving.quality.QualityGate;

/**
 * What one student server instance is configured with.
 *
 * @param model           the student model name followed
 * @param contract        label space and input the server answers in
 * @param httpHost        host of the HTTP endpoint
 * @param httpPort        port of the HTTP endpoint (0 picks a free one)
 * @param adminToken      bearer token of the state-changing routes; blank disables them
 * @param instanceId      identity of this instance (transactional id, control record actor)
 * @param kafkaInference  whether to answer requests from the requests topic
 * @param task            the requests' task this server answers
 * @param groupId         consumer group of the fleet's Kafka inference
 * @param liveQuality     whether to compare answers with the teacher's soft labels
 * @param sampleRate      share of answers compared, in [0, 1]
 * @param gate            when agreement counts as a drop, and whether a drop rolls the fleet back
 * @param device          DJL device: auto, cpu, gpu or gpu:n
 */
public record ServerSettings(String model, ServingContract contract, String httpHost, int httpPort, String adminToken,
                             String instanceId, boolean kafkaInference, String task, String groupId,
                             boolean liveQuality, double sampleRate, QualityGate gate, String device) {

    /** Settings for tests and benchmarks: HTTP on a free local port, no Kafka inference, no live quality. */
    public static ServerSettings local(String model, ServingContract contract, String instanceId) {
        return new ServerSettings(model, contract, "127.0.0.1", 0, "", instanceId, false, contract.labelSpaceId(),
                "distill-serving-" + model, false, 0.0, new QualityGate(0.5, 200, 50, false), "cpu");
    }

    public ServerSettings withKafkaInference(boolean enabled) {
        return new ServerSettings(model, contract, httpHost, httpPort, adminToken, instanceId, enabled, task, groupId,
                liveQuality, sampleRate, gate, device);
    }

    public ServerSettings withLiveQuality(double rate, QualityGate qualityGate) {
        return new ServerSettings(model, contract, httpHost, httpPort, adminToken, instanceId, kafkaInference, task,
                groupId, true, rate, qualityGate, device);
    }

    public ServerSettings withAdminToken(String token) {
        return new ServerSettings(model, contract, httpHost, httpPort, token, instanceId, kafkaInference, task, groupId,
                liveQuality, sampleRate, gate, device);
    }
}
