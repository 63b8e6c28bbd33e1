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

    @Test
    void aHandlerThatIgnoresTeacherTargetsKeepsOnlyTheHardLabel() throws Exception {
        TrainingExample labelled = example("r4", "toy", List.of(new TeacherContribution("cnn-a", "v1", 1f)));
        TrainingExample unlabelled = TrainingExample.newBuilder(labelled).setRequestId("r5").setHardLabel(null).build();
        java.util.Iterator<TrainingExample> decoded = List.of(labelled, unlabelled, labelled, unlabelled).iterator();
        List<String> deadLetters = new java.util.ArrayList<>();
        DeadLetterSink sink = (record, stage, reason, message) -> deadLetters.add(reason + ": " + message);
        RecordHandler scratch = new RecordHandler(r -> decoded.next(), converter, sink, (id, label) -> { }, "test",
                java.time.Duration.ofMillis(1), false);
        RecordHandler distilling = new RecordHandler(r -> decoded.next(), converter, sink, (id, label) -> { }, "test",
                java.time.Duration.ofMillis(1));
        org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> record =
                new org.apache.kafka.clients.consumer.ConsumerRecord<>("examples", 0, 0, new byte[0], new byte[] {1});

        Sample a = scratch.handle(record);
        assertEquals(false, a.hasTeacher());
        assertEquals(2, a.hardLabel());
        Sample b = scratch.handle(record);
        assertEquals(false, b.hasTeacher());
        assertEquals(false, b.hasHardLabel(), "nothing to learn until a late label reaches it");
        // the default keeps the teacher's target
        assertEquals(true, distilling.handle(record).hasTeacher());
        assertEquals(true, distilling.handle(record).hasTeacher());
        assertEquals(List.of(), deadLetters);
    }

    @Test
    void anExampleWithNeitherTargetNorLabelIsRefusedUnlessKeptAsPeerOnly() throws Exception {
        TrainingExample neither = TrainingExample.newBuilder(example("r6", "toy", List.of()))
                .setTarget(null).setHardLabel(null).build();
        InvalidExampleException e = assertThrows(InvalidExampleException.class, () -> converter.convert(neither));
        assertEquals(ReasonCode.INVALID_RECORD, e.reasonCode());
        assertEquals("example with neither a teacher target nor a hard label", e.getMessage());

        List<String> deadLetters = new java.util.ArrayList<>();
        DeadLetterSink sink = (record, stage, reason, message) -> deadLetters.add(reason + ": " + message);
        org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> record =
                new org.apache.kafka.clients.consumer.ConsumerRecord<>("examples", 0, 0, new byte[0], new byte[] {1});
        RecordHandler refusing = new RecordHandler(r -> neither, converter, sink, (id, label) -> { }, "test",
                java.time.Duration.ofMillis(1), true, false);
        RecordHandler keeping = new RecordHandler(r -> neither, converter, sink, (id, label) -> { }, "test",
                java.time.Duration.ofMillis(1), true, true);
        assertEquals(null, refusing.handle(record));
        assertEquals(List.of("INVALID_RECORD: example with neither a teacher target nor a hard label"), deadLetters);
        assertEquals(1, refusing.counts().deadLettered());

        Sample kept = keeping.handle(record);
        assertEquals(false, kept.hasTeacher());
        assertEquals(false, kept.hasHardLabel());
        assertArrayEquals(new float[]{0.25f, 0.75f}, kept.input());
        assertEquals(1, keeping.counts().unlabelled());
        assertEquals(1, deadLetters.size(), "nothing more dead-lettered");
        // the other checks still apply to a kept example
        TrainingExample noInput = TrainingExample.newBuilder(neither).setInput(null).build();
        assertEquals(ReasonCode.INVALID_RECORD,
                assertThrows(InvalidExampleException.class, () -> converter.convert(noInput, true)).reasonCode());
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
