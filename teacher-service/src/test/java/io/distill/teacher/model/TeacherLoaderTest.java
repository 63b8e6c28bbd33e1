package io.distill.teacher.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.distill.core.dataset.FashionMnist;
import io.distill.teacher.TestTeachers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TeacherLoaderTest {

    @TempDir
    Path tmp;

    @Test
    void loadsASavedTeacherWithItsLabelSpace() throws Exception {
        try (TeacherModel teacher = TestTeachers.tiny("tiny-a", 1)) {
            assertEquals("tiny-a", teacher.id());
            assertEquals(FashionMnist.LABEL_SPACE_ID, teacher.labelSpace().getId());
            assertEquals(FashionMnist.CLASS_NAMES, teacher.labelSpace().getClassNames());
            assertEquals(12, teacher.version().length());
            TeacherDescriptor d = teacher.descriptor();
            assertTrue(d.testAccuracy() > 0.4, "a trained teacher beats chance: " + d.testAccuracy());
            try (TeacherInference inference = teacher.newInference()) {
                float[][] out = inference.logProbabilities(new float[2][28 * 28]);
                assertEquals(2, out.length);
                double sum = 0;
                for (float lp : out[0]) {
                    sum += Math.exp(lp);
                }
                assertEquals(1.0, sum, 1e-4);
            }
        }
    }

    @Test
    void aMissingPathIsNamed() {
        TeacherLoadException e = assertThrows(TeacherLoadException.class,
                () -> TeacherLoader.load(tmp.resolve("nope"), Device.cpu()));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void aDirectoryWithoutDescriptorIsRefused() {
        TeacherLoadException e = assertThrows(TeacherLoadException.class, () -> TeacherLoader.load(tmp, Device.cpu()));
        assertTrue(e.getMessage().contains(TeacherDescriptor.FILE_NAME), e.getMessage());
    }

    @Test
    void anUnknownFileTypeIsRefused() throws IOException {
        Path file = Files.writeString(tmp.resolve("model.bin"), "x");
        TeacherLoadException e = assertThrows(TeacherLoadException.class, () -> TeacherFormat.detect(file));
        assertTrue(e.getMessage().contains("cannot tell the format"), e.getMessage());
    }

    @Test
    void aCorruptCheckpointIsRefusedClearly() throws IOException {
        Path source = TestTeachers.tinyDir("tiny-a", 1);
        Path copy = tmp.resolve("broken");
        Files.createDirectories(copy);
        Files.copy(source.resolve(TeacherDescriptor.FILE_NAME), copy.resolve(TeacherDescriptor.FILE_NAME));
        Files.write(copy.resolve("teacher.ckpt"), new byte[] {1, 2, 3, 4});
        TeacherLoadException e = assertThrows(TeacherLoadException.class, () -> TeacherLoader.load(copy, Device.cpu()));
        assertTrue(e.getMessage().contains("cannot read checkpoint"), e.getMessage());
    }

    @Test
    void aDescriptorWithoutLabelSpaceIsRefused() throws IOException {
        Files.writeString(tmp.resolve(TeacherDescriptor.FILE_NAME),
                "{\"id\":\"x\",\"format\":\"TORCHSCRIPT\",\"modelFile\":\"m.pt\",\"inputShape\":[1,28,28]}");
        TeacherLoadException e = assertThrows(TeacherLoadException.class, () -> TeacherDescriptor.read(tmp));
        assertTrue(e.getMessage().contains("labelSpaceId is missing"), e.getMessage());
    }
}
