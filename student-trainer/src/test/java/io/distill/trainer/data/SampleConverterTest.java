package io.distill.trainer.data;

import io.distill.core.deadletter.ReasonCode;
import io.distill.core.softtarget.SoftTargets;
import io.distill.core.tensor.TensorCodec;
import io.distill.schema.ExampleKind;
import io.distill.schema.LabelSpace;
import io.distill.schema.Split;
import io.distill.schema.TeacherContribution;
import io.distill.schema.TeacherRef;
import io.distill.schema.TrainingExample;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SampleConverterTest {

    private final SampleConverter converter = new SampleConverter("toy", 1, 3, new int[]{2});

    @Test
    void convertsAndCollectsTheTeachersOfTheLineage() throws InvalidExampleException {
        Sample a = converter.convert(example("r1", "toy", List.of(
                new TeacherContribution("cnn-b", "v2", 0.4f), new TeacherContribution("cnn-a", "v1", 0.6f))));
        converter.convert(example("r2", "toy", List.of(new TeacherContribution("cnn-a", "v1", 1f))));

        assertArrayEquals(new float[]{0.25f, 0.75f}, a.input());
        assertEquals(2, a.hardLabel());
        // exp of the log-probabilities gives back the teacher's distribution
        assertEquals(0.7, Math.exp(a.teacherLogProbs()[0]), 1e-6);
        assertEquals(List.of(new TeacherRef("cnn-a", "v1"), new TeacherRef("cnn-b", "v2")), converter.teachersSeen());
    }

    @Test
    void refusesAnotherLabelSpace() {
        InvalidExampleException e = assertThrows(InvalidExampleException.class,
                () -> converter.convert(example("r3", "other", List.of())));
        assertEquals(ReasonCode.LABEL_SPACE_MISMATCH, e.reasonCode());
        assertEquals(List.of(), converter.teachersSeen());
    }

    private static TrainingExample example(String id, String labelSpace, List<TeacherContribution> teachers) {
        return TrainingExample.newBuilder()
                .setRequestId(id)
                .setKind(ExampleKind.EXAMPLE)
                .setSampleKey("k-" + id)
                .setSplit(Split.TRAIN)
                .setTask("toy")
                .setEventTime(Instant.EPOCH)
                .setInput(TensorCodec.encode(new float[]{0.25f, 0.75f}, 2))
                .setTarget(SoftTargets.denseFromProbabilities(new double[]{0.7, 0.2, 0.1}))
                .setHardLabel(2)
                .setLabelSpace(new LabelSpace(labelSpace, 1, List.of()))
                .setWeight(1f)
                .setTeachers(teachers)
                .setMetadata(Map.of())
                .build();
    }
}
