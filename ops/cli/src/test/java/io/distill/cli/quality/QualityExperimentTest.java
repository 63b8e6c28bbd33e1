package io.distill.cli.quality;

import ai.djl.Device;
import io.distill.core.architecture.ArchitectureSpec;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.junit.IntegrationTest;
import io.distill.teacher.model.TeacherDescriptor;
import io.distill.teacher.train.ConvTeacherTrainer;
import io.distill.teacher.train.ProgressBar;
import io.distill.teacher.train.TeacherTrainingOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A reduced quality experiment through the real pipeline (teacher-service, topology and three trainers as processes on
 * the embedded stack): with 5 % of the labels, the distilled student beats the student trained on those labels alone.
 * Only the direction is asserted; the figures of the full experiment are in docs/BENCHMARKS.md. A self-tuned row on
 * the same examples checks that a row's own trainer settings reach its trainer and that the report compares it.
 */
@IntegrationTest
class QualityExperimentTest {

    private static final Logger log = LoggerFactory.getLogger(QualityExperimentTest.class);

    @Test
    void distilledStudentBeatsTheScratchStudent(EmbeddedStack stack, @TempDir Path work) throws Exception {
        Path teacherDir = work.resolve("teachers").resolve("cnn-small");
        ArchitectureSpec spec = ArchitectureSpec.fromJson("cnn", "{\"channels\":[8,16],\"dense\":64}");
        new ConvTeacherTrainer(new TeacherTrainingOptions("cnn-small", spec, 1, 1, 64, 0.003f, 20_000, 2_000),
                Device.cpu(), ProgressBar.silent()).trainAndSave(teacherDir);
        assertTrue(Files.isRegularFile(teacherDir.resolve(TeacherDescriptor.FILE_NAME)));

        List<StudentRow> rows = new ArrayList<>(StudentRow.standard("cnn-small", "unused", 0.9).stream()
                .filter(r -> r.name().equals("scratch") || r.name().equals("distilled")).toList());
        rows.add(StudentRow.trainerVariants("cnn-small", 0.9, "noise").stream()
                .filter(r -> r.name().equals("distilled+tuning-plateau")).findFirst().orElseThrow());
        QualityExperiment.Settings settings = new QualityExperiment.Settings(work, rows, "mlp:128", 4_000, 1, 0.05,
                Duration.ZERO, 400, 4, 0.05, 10_000, 4.0, 0.002, 1_000, 3, Duration.ofMinutes(12), List.of());
        String prefix = EmbeddedStack.uniqueName("quality") + ".";
        QualityExperiment.Result result = new QualityExperiment(settings, work.resolve("run"), prefix).run(stack);
        QualityReport report = new QualityReport(result, settings);
        log.info("reduced quality experiment:\n{}", report.markdown());

        assertTrue(result.drained(), "every request got a disposition and both trainers finished within the bound");
        assertEquals(4_000, result.requests());
        QualityExperiment.RowResult scratch = result.row("scratch");
        QualityExperiment.RowResult distilled = result.row("distilled");
        assertFalse(scratch.curve().isEmpty(), "the scratch trainer published a checkpoint");
        assertFalse(distilled.curve().isEmpty(), "the distilled trainer published a checkpoint");
        assertTrue(distilled.accuracy() > scratch.accuracy(), "distilled " + distilled.accuracy()
                + " must beat scratch " + scratch.accuracy() + " on the test images");
        double teacher = result.teachers().get(0).accuracy();
        assertTrue(teacher > 0.5 && teacher <= 1, "teacher scored on the test images: " + teacher);
        assertTrue(result.throughput().studentImagesPerSecond() > 0 && result.throughput().teacherImagesPerSecond() > 0);
        assertTrue(report.figures().containsKey("gap_closed_distilled"));

        QualityExperiment.RowResult tuned = result.row("distilled+tuning-plateau");
        assertFalse(tuned.curve().isEmpty(), "the self-tuned trainer published a checkpoint and it was scored");
        assertFalse(Double.isNaN(tuned.last().holdoutMetric("tuning.changes")),
                "its manifest carries the tuner's change count, so trainer.tuning reached that trainer only");
        assertTrue(Double.isNaN(distilled.last().holdoutMetric("tuning.changes")), "the distilled row is not self-tuned");
        assertEquals("distilled", report.figures().get("best_fixed_row"));
        assertTrue(report.figures().containsKey("distilled_tuning_plateau_minus_best_fixed_points"));
    }
}
