package io.distill.teacher.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import io.distill.core.dataset.FashionMnist;
import io.distill.teacher.TestTeachers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TorchScript and ONNX teachers: a DJL-native teacher is exported ({@link TeacherWeightsExport}),
 * rebuilt and saved by {@code src/test/python/export_teacher.py} with PyTorch (Debian's
 * python3-torch and python3-onnx), then loaded through {@link TeacherLoader} by DJL's PyTorch
 * (libtorch) and OnnxRuntime engines; all three must give the same log-probabilities on real
 * Fashion-MNIST test images. Skipped, saying why, where no Python with torch and onnx is found
 * ({@code DISTILL_PYTHON}, {@code python3}, {@code /usr/bin/python3} are tried).
 */
class ExportedTeacherTest {

    private static final Path SCRIPT = Path.of("src", "test", "python", "export_teacher.py");
    private static final double TOLERANCE = 1e-4;
    private static final Map<String, Path> EXPORTED = new HashMap<>();
    private static Optional<String> python;
    private static String whyNoPython = "";

    @TempDir
    Path tmp;

    @BeforeAll
    static void findPython() {
        List<String> candidates = new ArrayList<>();
        String env = System.getenv("DISTILL_PYTHON");
        if (env != null && !env.isBlank()) {
            candidates.add(env);
        }
        candidates.add("python3");
        candidates.add("/usr/bin/python3");
        python = Optional.empty();
        StringBuilder why = new StringBuilder();
        for (String candidate : candidates) {
            try {
                Process p = new ProcessBuilder(candidate, "-c", "import torch, onnx").redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                if (p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    python = Optional.of(candidate);
                    return;
                }
                why.append(candidate).append(": ").append(out.lines().reduce((a, b) -> b).orElse("failed")).append("; ");
            } catch (IOException e) {
                why.append(candidate).append(": ").append(e.getMessage()).append("; ");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        whyNoPython = why.toString();
    }

    private static void assumePython() {
        assumeTrue(python.isPresent(), "no Python with torch and onnx (install Debian's python3-torch and "
                + "python3-onnx, or set DISTILL_PYTHON): " + whyNoPython);
    }

    /** Exports a tiny DJL teacher once per JVM; returns the directory holding teacher.pt and teacher.onnx. */
    private static synchronized Path exported(String id, String cnnParams) throws Exception {
        Path done = EXPORTED.get(id);
        if (done != null) {
            return done;
        }
        Path teacher = TestTeachers.tinyDir(id, 5, cnnParams);
        Path out = Path.of("target", "exported-teachers", id).toAbsolutePath();
        TeacherWeightsExport.export(teacher, out);
        Process p = new ProcessBuilder(python.orElseThrow(), SCRIPT.toAbsolutePath().toString(), out.toString(),
                out.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "export script timed out");
        assertEquals(0, p.exitValue(), "export script failed:\n" + log);
        TeacherDescriptor d = TeacherDescriptor.read(teacher);
        for (TeacherFormat format : List.of(TeacherFormat.TORCHSCRIPT, TeacherFormat.ONNX)) {
            Path dir = out.resolve(format.name().toLowerCase());
            Files.createDirectories(dir);
            String file = format == TeacherFormat.ONNX ? "teacher.onnx" : "teacher.pt";
            Files.copy(out.resolve(file), dir.resolve(file), StandardCopyOption.REPLACE_EXISTING);
            d.withModelFile(format, file).write(dir);
        }
        EXPORTED.put(id, out);
        return out;
    }

    @Test
    void torchScriptAndOnnxTeachersMatchTheDjlTeacher() throws Exception {
        assumePython();
        FashionMnist.Split test = FashionMnist.test();
        float[][] images = new float[64][];
        System.arraycopy(test.images(), 0, images, 0, images.length);
        for (String[] teacher : List.of(
                new String[] {"tiny-export", "{\"channels\":[4],\"dense\":16}"},
                new String[] {"tiny-export-bn", "{\"channels\":[4,8],\"dense\":16,\"batchNorm\":true}"})) {
            Path out = exported(teacher[0], teacher[1]);
            float[][] expected = logProbabilities(TestTeachers.tinyDir(teacher[0], 5, teacher[1]), images);
            for (Path graph : List.of(out.resolve("torchscript"), out.resolve("onnx"),
                    out.resolve("torchscript").resolve("teacher.pt"), out.resolve("onnx").resolve("teacher.onnx"))) {
                float[][] actual = logProbabilities(graph, images);
                double worst = 0;
                for (int i = 0; i < images.length; i++) {
                    assertEquals(expected[i].length, actual[i].length);
                    for (int c = 0; c < expected[i].length; c++) {
                        worst = Math.max(worst, Math.abs(expected[i][c] - actual[i][c]));
                    }
                }
                assertTrue(worst < TOLERANCE, graph + " differs from the DJL teacher by up to " + worst);
            }
            try (TeacherModel onnx = TeacherLoader.load(out.resolve("onnx"), Device.cpu())) {
                assertEquals(TeacherFormat.ONNX.engine(), onnx.djlModel().getNDManager().getEngine().getEngineName());
                assertEquals(teacher[0], onnx.id());
                assertEquals(FashionMnist.CLASS_NAMES, onnx.labelSpace().getClassNames());
                assertEquals(TeacherLoader.contentVersion(out.resolve("onnx").resolve("teacher.onnx")), onnx.version());
            }
        }
    }

    @Test
    void aGraphInTheWrongFormatIsRefusedClearly() throws Exception {
        assumePython();
        Path out = exported("tiny-export", "{\"channels\":[4],\"dense\":16}");
        TeacherDescriptor d = TeacherDescriptor.read(out.resolve("onnx"));
        // an ONNX graph under a TorchScript name: libtorch cannot read it
        Path dir = Files.createDirectories(tmp.resolve("onnx-as-pt"));
        Files.copy(out.resolve("teacher.onnx"), dir.resolve("teacher.pt"));
        d.withModelFile(TeacherFormat.TORCHSCRIPT, "teacher.pt").write(dir);
        TeacherLoadException e = assertThrows(TeacherLoadException.class, () -> TeacherLoader.load(dir, Device.cpu()));
        assertTrue(e.getMessage().contains("cannot be loaded by DJL's PyTorch engine"), e.getMessage());
    }

    @Test
    void aGraphThatDoesNotFitItsDescriptorIsRefusedAtLoad() throws Exception {
        assumePython();
        Path out = exported("tiny-export", "{\"channels\":[4],\"dense\":16}");
        TeacherDescriptor d = TeacherDescriptor.read(out.resolve("torchscript"));
        for (TeacherFormat format : List.of(TeacherFormat.TORCHSCRIPT, TeacherFormat.ONNX)) {
            String file = format == TeacherFormat.ONNX ? "teacher.onnx" : "teacher.pt";
            // inputs of another shape than the graph was built for
            Path wrongInput = Files.createDirectories(tmp.resolve(format + "-input"));
            Files.copy(out.resolve(file), wrongInput.resolve(file));
            new TeacherDescriptor(d.id(), null, format, file, d.labelSpaceId(), d.labelSpaceVersion(), d.classNames(),
                    new int[] {1, 14, 14}, null, null, null, null, null, null).write(wrongInput);
            TeacherLoadException e = assertThrows(TeacherLoadException.class,
                    () -> TeacherLoader.load(wrongInput, Device.cpu()));
            assertTrue(e.getMessage().contains("does not fit its descriptor (input (1, 1, 14, 14) -> 10 class scores)"),
                    e.getMessage());
            // a label space with fewer classes than the graph scores
            Path wrongClasses = Files.createDirectories(tmp.resolve(format + "-classes"));
            Files.copy(out.resolve(file), wrongClasses.resolve(file));
            new TeacherDescriptor(d.id(), null, format, file, "five", 1, d.classNames().subList(0, 5),
                    d.inputShape(), null, null, null, null, null, null).write(wrongClasses);
            e = assertThrows(TeacherLoadException.class, () -> TeacherLoader.load(wrongClasses, Device.cpu()));
            assertTrue(e.getMessage().contains("does not fit its descriptor (input (1, 1, 28, 28) -> 5 class scores)")
                    && e.getMessage().contains("10 classes") && e.getMessage().contains("label space has 5 classes"),
                    e.getMessage());
        }
    }

    @Test
    void unreadableGraphFilesAreRefusedClearly() throws Exception {
        TeacherDescriptor d = TeacherDescriptor.read(TestTeachers.tinyDir("tiny-a", 1));
        for (TeacherFormat format : List.of(TeacherFormat.TORCHSCRIPT, TeacherFormat.ONNX)) {
            String file = format == TeacherFormat.ONNX ? "teacher.onnx" : "teacher.pt";
            Path dir = Files.createDirectories(tmp.resolve(format.name()));
            Files.writeString(dir.resolve(file), "not a model");
            d.withModelFile(format, file).write(dir);
            TeacherLoadException e = assertThrows(TeacherLoadException.class, () -> TeacherLoader.load(dir, Device.cpu()));
            assertTrue(e.getMessage().contains(format + " model") && e.getMessage().contains("cannot be loaded by DJL's "
                    + format.engine() + " engine"), e.getMessage());
        }
        // only DJL-native teachers have parameters to export
        Path dir = Files.createDirectories(tmp.resolve("graph"));
        d.withModelFile(TeacherFormat.ONNX, "teacher.onnx").write(dir);
        TeacherLoadException e = assertThrows(TeacherLoadException.class,
                () -> TeacherWeightsExport.export(dir, tmp.resolve("out")));
        assertTrue(e.getMessage().contains("only DJL-native teachers"), e.getMessage());
    }

    private static float[][] logProbabilities(Path location, float[][] images) throws Exception {
        try (TeacherModel teacher = TeacherLoader.load(location, Device.cpu());
                TeacherInference inference = teacher.newInference()) {
            return inference.logProbabilities(images);
        }
    }
}
