package io.distill.topology;

import io.distill.core.config.DistillConfig;
import io.distill.core.registry.HttpRegistryClient;
import io.distill.core.registry.RegistryClient;
import io.distill.core.serde.DistillSerdes;
import io.distill.schema.DeadLetter;
import io.distill.schema.GroundTruth;
import io.distill.schema.InferenceRequest;
import io.distill.schema.SoftLabel;
import io.distill.schema.TrainingExample;
import io.distill.topology.config.TopologyConfig;

/** The topology's serdes: core's Confluent-wire-format Avro serdes on a schema registry. */
public final class RegistrySerdes {

    private RegistrySerdes() {}

    /** Serdes on the registry named by the {@code registry.*} settings. */
    public static TopologySerdes create(TopologyConfig config) {
        return on(new HttpRegistryClient(DistillConfig.of(config.asMap()).registryClientConfig()));
    }

    /** Serdes on a given registry client. */
    public static TopologySerdes on(RegistryClient registry) {
        return new TopologySerdes(
                DistillSerdes.of(InferenceRequest.class, registry, false),
                DistillSerdes.of(SoftLabel.class, registry, false),
                DistillSerdes.of(GroundTruth.class, registry, false),
                DistillSerdes.of(TrainingExample.class, registry, false),
                DistillSerdes.of(DeadLetter.class, registry, false));
    }
}
