package io.distill.topology.testkit;

import io.distill.core.softtarget.SoftTargets;
import io.distill.core.tensor.TensorCodec;
import io.distill.schema.GroundTruth;
import io.distill.schema.InferenceRequest;
import io.distill.schema.LabelSpace;
import io.distill.schema.SoftLabel;
import io.distill.schema.Tensor;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Builders of the topology's input records. */
public final class Records {

    public static final LabelSpace FASHION = space("fashion-mnist", 1, 3);

    private Records() {}

    public static LabelSpace space(String id, int version, int classes) {
        List<String> names = new java.util.ArrayList<>();
        for (int i = 0; i < classes; i++) {
            names.add("class-" + i);
        }
        return LabelSpace.newBuilder().setId(id).setVersion(version).setClassNames(names).build();
    }

    /** A 2x2 input whose values derive from {@code seed}. */
    public static Tensor input(float seed) {
        return TensorCodec.encode(new float[] {seed, seed + 1, seed + 2, seed + 3}, 2, 2);
    }

    public static InferenceRequest request(String id, float seed, long eventTime) {
        return request(id, input(seed), eventTime, Map.of());
    }

    public static InferenceRequest request(String id, Tensor input, long eventTime, Map<String, String> metadata) {
        return InferenceRequest.newBuilder()
                .setRequestId(id)
                .setSourceId("app-1")
                .setTask("fashion-mnist")
                .setEventTime(Instant.ofEpochMilli(eventTime))
                .setInput(input)
                .setSampleKey(null)
                .setMetadata(metadata)
                .build();
    }

    public static SoftLabel label(String id, String teacher, LabelSpace space, double... probabilities) {
        return SoftLabel.newBuilder()
                .setRequestId(id)
                .setTeacherId(teacher)
                .setTeacherVersion(teacher + "-v1")
                .setLabelSpace(space)
                .setTarget(SoftTargets.denseFromProbabilities(probabilities))
                .setArgmax(SoftTargets.argmax(probabilities))
                .setLatencyMicros(100)
                .setRequestTime(Instant.ofEpochMilli(0))
                .setProducedAt(Instant.ofEpochMilli(0))
                .build();
    }

    public static SoftLabel label(String id, String teacher, double... probabilities) {
        return label(id, teacher, FASHION, probabilities);
    }

    public static GroundTruth truth(String id, int label, long labelTime) {
        return truth(id, FASHION, label, labelTime);
    }

    public static GroundTruth truth(String id, LabelSpace space, int label, long labelTime) {
        return GroundTruth.newBuilder()
                .setRequestId(id)
                .setLabelSpaceId(space.getId())
                .setLabelSpaceVersion(space.getVersion())
                .setLabel(label)
                .setSource("human-review")
                .setLabelTime(Instant.ofEpochMilli(labelTime))
                .build();
    }
}
