package io.distill.schema;

import org.apache.avro.Schema;

import java.util.List;

/** The top-level record schemas that are written to topics, as the generated classes carry them. */
final class ContractSchemas {

    static final List<Schema> TOPIC_VALUES = List.of(
            InferenceRequest.getClassSchema(),
            SoftLabel.getClassSchema(),
            Prediction.getClassSchema(),
            GroundTruth.getClassSchema(),
            TrainingExample.getClassSchema(),
            CheckpointManifest.getClassSchema(),
            CheckpointControl.getClassSchema(),
            DeadLetter.getClassSchema());

    private ContractSchemas() {
    }
}
