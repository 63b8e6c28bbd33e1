package io.distill.teacher.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** How a teacher's weights are stored, and so which engine loads them. */
public enum TeacherFormat {
    /** Parameters of a network declared in core's architecture factory, in a Distill teacher directory. */
    DJL("PyTorch"),
    /** A module saved by {@code torch.jit.save} ({@code .pt}/{@code .pth}/{@code .torchscript}). */
    TORCHSCRIPT("PyTorch"),
    /** An ONNX graph ({@code .onnx}), run by DJL's OnnxRuntime engine. */
    ONNX("OnnxRuntime");

    private final String engine;

    TeacherFormat(String engine) {
        this.engine = engine;
    }

    /** @return the DJL engine that runs this format */
    public String engine() {
        return engine;
    }

    /**
     * Recognises the format of a model location: a directory holding a teacher descriptor with
     * DJL parameters, or a file by its extension.
     *
     * @param location a directory or a model file
     * @return its format
     * @throws TeacherLoadException when the location does not exist or is not recognised
     */
    public static TeacherFormat detect(Path location) {
        if (!Files.exists(location)) {
            throw new TeacherLoadException("teacher model " + location + " does not exist");
        }
        if (Files.isDirectory(location)) {
            return TeacherDescriptor.read(location).format();
        }
        String name = location.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".onnx")) {
            return ONNX;
        }
        if (name.endsWith(".pt") || name.endsWith(".pth") || name.endsWith(".torchscript")) {
            return TORCHSCRIPT;
        }
        throw new TeacherLoadException("cannot tell the format of teacher model " + location
                + ": expected a teacher directory (with " + TeacherDescriptor.FILE_NAME
                + "), a TorchScript file (.pt, .pth, .torchscript) or an ONNX file (.onnx)");
    }

    /**
     * @param name a format name, case-insensitive
     * @return the format
     */
    public static TeacherFormat parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new TeacherLoadException("unknown teacher format '" + name + "' (djl, torchscript, onnx)");
        }
    }
}
