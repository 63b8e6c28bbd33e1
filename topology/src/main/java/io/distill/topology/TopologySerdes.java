package io.distill.topology;

import io.distill.schema.DeadLetter;
import io.distill.schema.GroundTruth;
import io.distill.schema.InferenceRequest;
import io.distill.schema.SoftLabel;
import io.distill.schema.TrainingExample;
import org.apache.kafka.common.serialization.Serde;

/**
 * The wire formats of the topics the topology reads and writes. In a deployment these are core's
 * schema-registry serdes; the topology only relies on a decode failure being an exception.
 */
public record TopologySerdes(
        Serde<InferenceRequest> requests,
        Serde<SoftLabel> softLabels,
        Serde<GroundTruth> groundTruth,
        Serde<TrainingExample> examples,
        Serde<DeadLetter> deadLetters) {}
