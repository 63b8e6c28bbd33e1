package io.distill.teacher.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.nn.Block;
import io.distill.core.checkpoint.BlockParameters;
import io.distill.core.checkpoint.Checkpoint;
import io.distill.core.checkpoint.CheckpointFormatException;
import io.distill.core.checkpoint.CheckpointReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads a teacher from a local path; nothing is downloaded.
 *
 * <ul>
 *   <li>A teacher directory ({@value TeacherDescriptor#FILE_NAME} + weights): DJL-native teachers
 *       store core's checkpoint container (architecture + parameters + label space) and are rebuilt
 *       by core's architecture factory; the directory may also hold a TorchScript or ONNX file,
 *       named by the descriptor.
 *   <li>A TorchScript ({@code .pt}) or ONNX ({@code .onnx}) file: its descriptor is the {@value
 *       TeacherDescriptor#FILE_NAME} in the same directory.
 * </ul>
 *
 * <p>The teacher's version is the descriptor's, or else the first 12 hex digits of the SHA-256 of
 * the weights file.
 */
public final class TeacherLoader {

    private static final Logger log = LoggerFactory.getLogger(TeacherLoader.class);

    private TeacherLoader() {}

    /**
     * @param location a teacher directory or model file
     * @param device where the teacher runs
     * @return the loaded teacher
     * @throws TeacherLoadException naming the location and what is wrong with it
     */
    public static TeacherModel load(Path location, Device device) {
        Path dir = Files.isDirectory(location) ? location : location.toAbsolutePath().getParent();
        if (!Files.exists(location)) {
            throw new TeacherLoadException("teacher model " + location + " does not exist");
        }
        TeacherDescriptor descriptor = TeacherDescriptor.read(dir);
        Path weights = Files.isDirectory(location) ? dir.resolve(descriptor.modelFile()) : location;
        if (!Files.isRegularFile(weights)) {
            throw new TeacherLoadException("teacher " + descriptor.id() + ": weights file " + weights + " is missing");
        }
        TeacherFormat format = Files.isDirectory(location) ? descriptor.format() : TeacherFormat.detect(location);
        if (descriptor.version() == null || descriptor.version().isBlank()) {
            descriptor = descriptor.withVersion(contentVersion(weights));
        }
        requireEngine(format, location);
        long start = System.nanoTime();
        TeacherModel teacher = switch (format) {
            case DJL -> loadDjl(descriptor, weights, device);
            case TORCHSCRIPT, ONNX -> loadGraph(descriptor, format, weights, device);
        };
        log.info("loaded {} from {} in {} ms on {}", teacher, location, (System.nanoTime() - start) / 1_000_000, device);
        return teacher;
    }

    private static TeacherModel loadDjl(TeacherDescriptor descriptor, Path weights, Device device) {
        Checkpoint checkpoint;
        try {
            checkpoint = CheckpointReader.read(Files.readAllBytes(weights));
        } catch (IOException | CheckpointFormatException e) {
            throw new TeacherLoadException("teacher " + descriptor.id() + ": cannot read checkpoint " + weights + ": "
                    + e.getMessage(), e);
        }
        if (checkpoint.labelSpace() != null
                && (!checkpoint.labelSpace().getId().equals(descriptor.labelSpaceId())
                        || checkpoint.labelSpace().getVersion() != descriptor.labelSpaceVersion())) {
            throw new TeacherLoadException("teacher " + descriptor.id() + ": checkpoint label space "
                    + checkpoint.labelSpace().getId() + " v" + checkpoint.labelSpace().getVersion()
                    + " differs from the descriptor's " + descriptor.labelSpaceId() + " v"
                    + descriptor.labelSpaceVersion());
        }
        if (checkpoint.numClasses() != descriptor.numClasses()) {
            throw new TeacherLoadException("teacher " + descriptor.id() + ": checkpoint has " + checkpoint.numClasses()
                    + " classes, the descriptor names " + descriptor.numClasses());
        }
        Model model = Model.newInstance(descriptor.id(), device, "PyTorch");
        try {
            Block block = BlockParameters.buildAndLoad(checkpoint, model.getNDManager());
            model.setBlock(block);
        } catch (CheckpointFormatException | RuntimeException e) {
            model.close();
            throw new TeacherLoadException("teacher " + descriptor.id() + ": parameters in " + weights
                    + " do not fit the declared architecture " + checkpoint.architecture() + ": " + e.getMessage(), e);
        }
        return new TeacherModel(descriptor, model, device);
    }

    private static TeacherModel loadGraph(TeacherDescriptor descriptor, TeacherFormat format, Path weights,
            Device device) {
        Model model = Model.newInstance(descriptor.id(), device, format.engine());
        try {
            String name = weights.getFileName().toString();
            String prefix = name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : name;
            model.load(weights.toAbsolutePath().getParent(), prefix);
        } catch (IOException | MalformedModelException | RuntimeException e) {
            model.close();
            throw new TeacherLoadException("teacher " + descriptor.id() + ": " + format + " model " + weights
                    + " cannot be loaded by DJL's " + format.engine() + " engine: " + e.getMessage(), e);
        }
        TeacherModel teacher = new TeacherModel(descriptor, model, device);
        try {
            checkShapes(teacher, format, weights);
        } catch (TeacherLoadException e) {
            teacher.close();
            throw e;
        }
        return teacher;
    }

    /**
     * A graph declares no shapes DJL can read, so one all-zero input of the descriptor's shape is run
     * through it: a teacher whose graph does not take that input or does not give one score per
     * class of the label space is refused at load time, not on the first request.
     */
    private static void checkShapes(TeacherModel teacher, TeacherFormat format, Path weights) {
        int elements = 1;
        for (int d : teacher.inputShape()) {
            elements *= d;
        }
        String expected = "input (1, " + java.util.Arrays.toString(teacher.inputShape()).replaceAll("[\\[\\]]", "")
                + ") -> " + teacher.numClasses() + " class scores";
        float[][] out;
        try (TeacherInference inference = teacher.newInference()) {
            out = inference.logProbabilities(new float[1][elements]);
        } catch (Exception e) {
            throw new TeacherLoadException("teacher " + teacher.id() + ": " + format + " model " + weights
                    + " does not fit its descriptor (" + expected + "): " + rootMessage(e), e);
        }
        if (out.length != 1 || out[0].length != teacher.numClasses()) {
            throw new TeacherLoadException("teacher " + teacher.id() + ": " + format + " model " + weights
                    + " gives " + (out.length == 0 ? 0 : out[0].length) + " class scores per input but its descriptor's"
                    + " label space " + teacher.labelSpace().getId() + " has " + teacher.numClasses() + " classes");
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        int newline = m.indexOf('\n');
        return newline > 0 ? m.substring(0, newline) : m;
    }

    private static void requireEngine(TeacherFormat format, Path location) {
        if (!Engine.hasEngine(format.engine())) {
            throw new TeacherLoadException("teacher " + location + " is " + format + " and needs DJL's "
                    + format.engine() + " engine, which is not on the classpath (engines present: "
                    + List.copyOf(Engine.getAllEngines()) + ")");
        }
    }

    /** @return the first 12 hex digits of the file's SHA-256 */
    public static String contentVersion(Path file) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            try (var in = Files.newInputStream(file)) {
                byte[] buf = new byte[1 << 16];
                int n;
                while ((n = in.read(buf)) > 0) {
                    sha.update(buf, 0, n);
                }
            }
            return HexFormat.of().formatHex(sha.digest()).substring(0, 12);
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new TeacherLoadException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
