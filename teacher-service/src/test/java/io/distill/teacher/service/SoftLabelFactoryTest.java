package io.distill.teacher.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.distill.core.softtarget.SoftTargets;
import io.distill.core.tensor.TensorCodec;
import io.distill.schema.InferenceRequest;
import io.distill.schema.Prediction;
import io.distill.schema.SoftLabel;
import io.distill.teacher.TestTeachers;
import io.distill.teacher.model.TeacherModel;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SoftLabelFactoryTest {

    private static TeacherModel teacher;
    private static InferenceResult result;
    private static final InferenceRequest REQUEST = InferenceRequest.newBuilder()
            .setRequestId("r-1").setSourceId("app").setTask("fashion-mnist")
            .setEventTime(Instant.ofEpochMilli(1_000))
            .setInput(TensorCodec.encode(new float[28 * 28], 1, 28, 28))
            .setMetadata(Map.of())
            .build();

    @BeforeAll
    static void load() throws Exception {
        teacher = TestTeachers.tiny("tiny-a", 1);
        try (var inference = teacher.newInference()) {
            float[] x = new float[28 * 28];
            for (int i = 0; i < x.length; i++) {
                x[i] = (i % 28) / 28f;
            }
            result = new InferenceResult(inference.logProbabilities(new float[][] {x})[0], 1234, 1);
        }
    }

    @AfterAll
    static void close() {
        teacher.close();
    }

    @Test
    void denseLabelsSumToOneAndCarryTheTeachersIdentity() {
        SoftLabel label = new SoftLabelFactory(teacher, SoftLabelForm.DENSE, 3)
                .softLabel(REQUEST, result, Instant.ofEpochMilli(2_000));
        assertEquals("r-1", label.getRequestId());
        assertEquals("tiny-a", label.getTeacherId());
        assertEquals(teacher.version(), label.getTeacherVersion());
        assertEquals("fashion-mnist", label.getLabelSpace().getId());
        assertEquals(10, label.getLabelSpace().getClassNames().size());
        assertNotNull(label.getTarget().getDense());
        assertNull(label.getTarget().getTopK());
        double[] probs = SoftTargets.probabilities(label.getTarget());
        assertEquals(1.0, java.util.Arrays.stream(probs).sum(), 1e-4);
        assertEquals(SoftTargets.argmax(probs), label.getArgmax());
        assertEquals(1234, label.getLatencyMicros());
        assertEquals(Instant.ofEpochMilli(1_000), label.getRequestTime());
    }

    @Test
    void topKLabelsSumToOneWithTheTailMass() {
        SoftLabel label = new SoftLabelFactory(teacher, SoftLabelForm.TOP_K, 3)
                .softLabel(REQUEST, result, Instant.now());
        assertNull(label.getTarget().getDense());
        assertEquals(3, label.getTarget().getTopK().getClassIds().size());
        double mass = Math.exp(label.getTarget().getTopK().getTailLogMass());
        for (float lp : label.getTarget().getTopK().getLogProbs()) {
            mass += Math.exp(lp);
        }
        assertEquals(1.0, mass, 1e-4);
        assertEquals(label.getArgmax(), label.getTarget().getTopK().getClassIds().get(0).intValue());
    }

    @Test
    void predictionsCarryProbabilities() {
        Prediction p = new SoftLabelFactory(teacher, SoftLabelForm.DENSE, 3).prediction(REQUEST, result, Instant.now());
        assertEquals(10, p.getProbabilities().size());
        assertEquals(1.0, p.getProbabilities().stream().mapToDouble(Float::doubleValue).sum(), 1e-4);
        assertEquals("tiny-a", p.getModelName());
    }
}
