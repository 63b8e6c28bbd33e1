package io.distill.teacher;

import ai.djl.Device;
import io.distill.core.architecture.ArchitectureSpec;
import io.distill.teacher.model.TeacherDescriptor;
import io.distill.teacher.model.TeacherLoader;
import io.distill.teacher.model.TeacherModel;
import io.distill.teacher.train.ConvTeacherTrainer;
import io.distill.teacher.train.ProgressBar;
import io.distill.teacher.train.TeacherTrainingOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Small, fast teachers really trained on a slice of Fashion-MNIST, saved once under {@code
 * target/test-teachers} and reused by every test of the build.
 */
public final class TestTeachers {

    private TestTeachers() {}

    /** @return the directory of a tiny convolutional teacher with the given id and seed */
    public static Path tinyDir(String id, long seed) {
        return tinyDir(id, seed, "{\"channels\":[4],\"dense\":16}");
    }

    /** @return the directory of a tiny teacher of the cnn family with the given parameters */
    public static synchronized Path tinyDir(String id, long seed, String cnnParams) {
        Path dir = Path.of("target", "test-teachers", id).toAbsolutePath();
        if (Files.isRegularFile(dir.resolve(TeacherDescriptor.FILE_NAME))) {
            return dir;
        }
        ArchitectureSpec spec = ArchitectureSpec.fromJson("cnn", cnnParams);
        TeacherTrainingOptions options = new TeacherTrainingOptions(id, spec, seed, 1, 64, 0.003f, 2000, 1000);
        try {
            new ConvTeacherTrainer(options, Device.cpu(), ProgressBar.silent()).trainAndSave(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /** @return a loaded tiny teacher (caller closes it) */
    public static TeacherModel tiny(String id, long seed) {
        return TeacherLoader.load(tinyDir(id, seed), Device.cpu());
    }
}
