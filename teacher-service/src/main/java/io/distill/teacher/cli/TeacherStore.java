package io.distill.teacher.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where trained teachers live: {@code <work dir>/teachers/<teacher id>/}. The work directory is
 * {@code --work-dir}, else {@code DISTILL_WORK_DIR}, else {@code .distill} under the project root
 * ({@code -Ddistill.root}) or the current directory.
 */
public final class TeacherStore {

    private TeacherStore() {}

    /** @return the default work directory */
    public static Path defaultWorkDir() {
        String env = System.getenv("DISTILL_WORK_DIR");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        String root = System.getProperty("distill.root");
        return (root == null || root.isBlank() ? Path.of(".") : Path.of(root)).resolve(".distill");
    }

    /**
     * @param workDir the work directory
     * @param teacherId a teacher id
     * @return the teacher's directory
     */
    public static Path teacherDir(Path workDir, String teacherId) {
        return workDir.resolve("teachers").resolve(teacherId);
    }

    /** @return whether a trained teacher is saved in the directory */
    public static boolean isSaved(Path teacherDir) {
        return Files.isRegularFile(teacherDir.resolve("teacher.json"));
    }
}
