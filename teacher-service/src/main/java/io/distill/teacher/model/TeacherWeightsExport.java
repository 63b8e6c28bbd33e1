package io.distill.teacher.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distill.core.architecture.CnnFamily;
import io.distill.core.checkpoint.Checkpoint;
import io.distill.core.checkpoint.CheckpointFormatException;
import io.distill.core.checkpoint.CheckpointReader;
import io.distill.core.checkpoint.NamedTensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a DJL-native teacher's parameters in a form other frameworks read without DJL, so the
 * same network can be rebuilt there and saved as TorchScript or ONNX:
 *
 * <ul>
 *   <li>{@value #TENSORS_FILE}: every parameter as float32 little-endian, one after another, in the
 *       network's order;
 *   <li>{@value #MANIFEST_FILE}: architecture family and canonical parameters, input shape, class
 *       count, batch-norm epsilon, and per tensor its name, shape and float offset.
 * </ul>
 */
public final class TeacherWeightsExport {

    /** Raw float32 little-endian parameters. */
    public static final String TENSORS_FILE = "weights.f32";
    /** The JSON manifest of {@link #TENSORS_FILE}. */
    public static final String MANIFEST_FILE = "weights.json";

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private TeacherWeightsExport() {}

    /**
     * @param teacherDir a DJL-native teacher directory
     * @param outDir where the two files go (created)
     * @throws TeacherLoadException when the teacher is not DJL-native or its checkpoint is unreadable
     */
    public static void export(Path teacherDir, Path outDir) throws IOException {
        TeacherDescriptor descriptor = TeacherDescriptor.read(teacherDir);
        if (descriptor.format() != TeacherFormat.DJL) {
            throw new TeacherLoadException("teacher " + descriptor.id() + " is " + descriptor.format()
                    + "; only DJL-native teachers have parameters to export");
        }
        Checkpoint checkpoint;
        try {
            checkpoint = CheckpointReader.read(Files.readAllBytes(teacherDir.resolve(descriptor.modelFile())));
        } catch (CheckpointFormatException e) {
            throw new TeacherLoadException("teacher " + descriptor.id() + ": cannot read its checkpoint: "
                    + e.getMessage(), e);
        }
        ObjectNode manifest = MAPPER.createObjectNode();
        manifest.put("id", descriptor.id());
        manifest.put("family", checkpoint.architecture().family());
        manifest.set("spec", checkpoint.architecture().params());
        ArrayNode shape = manifest.putArray("inputShape");
        for (int d : checkpoint.inputShape()) {
            shape.add(d);
        }
        manifest.put("numClasses", checkpoint.numClasses());
        manifest.put("batchNormEpsilon", CnnFamily.BATCH_NORM_EPSILON);
        ArrayNode tensors = manifest.putArray("tensors");
        long floats = 0;
        for (NamedTensor t : checkpoint.parameters()) {
            ObjectNode entry = tensors.addObject();
            entry.put("name", t.name());
            ArrayNode dims = entry.putArray("shape");
            for (int d : t.shape()) {
                dims.add(d);
            }
            entry.put("offset", floats);
            floats += t.data().length;
        }
        ByteBuffer raw = ByteBuffer.allocate(Math.toIntExact(floats * Float.BYTES)).order(ByteOrder.LITTLE_ENDIAN);
        for (NamedTensor t : checkpoint.parameters()) {
            raw.asFloatBuffer().put(t.data());
            raw.position(raw.position() + t.data().length * Float.BYTES);
        }
        Files.createDirectories(outDir);
        Files.write(outDir.resolve(TENSORS_FILE), raw.array());
        MAPPER.writeValue(outDir.resolve(MANIFEST_FILE).toFile(), manifest);
    }
}
