package io.distill.serving.testing;

import io.distill.schema.Architecture;
import io.distill.schema.CheckpointManifest;
import io.distill.schema.ContainerFormat;
import io.distill.schema.LabelSpace;
import io.distill.schema.Precision;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Manifests for tests that need one without a blob behind it. */
public final class Manifests {

    private Manifests() {
    }

    public static CheckpointManifest manifest(String model, long version, String labelSpace, int labelVersion,
                                              List<Integer> inputShape) {
        return CheckpointManifest.newBuilder()
                .setModelName(model)
                .setVersion(version)
                .setParentVersion(version > 1 ? version - 1 : null)
                .setCreatedAt(Instant.now())
                .setArchitecture(Architecture.newBuilder().setFamily("mlp").setSpec("{}").setParameterCount(0).build())
                .setInputShape(new ArrayList<>(inputShape))
                .setLabelSpace(LabelSpace.newBuilder().setId(labelSpace).setVersion(labelVersion)
                        .setClassNames(new ArrayList<>()).build())
                .setStep(0)
                .setSamplesSeen(0)
                .setFormat(ContainerFormat.newBuilder().setName("test").setVersion(1).setPrecision(Precision.FLOAT32)
                        .build())
                .setTotalBytes(0)
                .setSha256("")
                .setBlobStore("none:")
                .setChunks(new ArrayList<>())
                .setCodeVersion("test")
                .setConfigHash("")
                .setSeed(0)
                .build();
    }
}
