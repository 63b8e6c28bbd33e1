package io.distill.cli.faults;

import ai.djl.Device;
import io.distill.core.architecture.ArchitectureSpec;
import io.distill.teacher.model.TeacherDescriptor;
import io.distill.teacher.train.ConvTeacherTrainer;
import io.distill.teacher.train.ProgressBar;
import io.distill.teacher.train.TeacherTrainingOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A small convolutional teacher trained in seconds on a slice of Fashion-MNIST, for runs that exercise the pipeline
 * rather than the quality of its labels. Trained once and reused from its directory.
 */
public final class TinyTeacher {

    public static final String ID = "cnn-tiny";

    private TinyTeacher() {
    }

    /** The teacher's directory under {@code teachersDir}, trained there first when missing. */
    public static Path ensure(Path teachersDir) throws IOException {
        Path dir = teachersDir.resolve(ID).toAbsolutePath();
        if (!Files.isRegularFile(dir.resolve(TeacherDescriptor.FILE_NAME))) {
            ArchitectureSpec spec = ArchitectureSpec.fromJson("cnn", "{\"channels\":[4],\"dense\":16}");
            TeacherTrainingOptions options = new TeacherTrainingOptions(ID, spec, 1, 1, 64, 0.003f, 2000, 500);
            new ConvTeacherTrainer(options, Device.cpu(), ProgressBar.silent()).trainAndSave(dir);
        }
        return dir;
    }
}
