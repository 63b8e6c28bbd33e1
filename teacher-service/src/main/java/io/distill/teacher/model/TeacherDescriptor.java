package io.distill.teacher.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.distill.schema.LabelSpace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The small JSON file ({@value #FILE_NAME}) that sits next to a teacher's weights and declares what
 * the weights alone do not say: the teacher's id and version, its label space (id, version, class
 * names), the shape of one input, the storage format and, for DJL-native teachers, the declared
 * architecture. Training adds how the teacher was made and its measured test accuracy.
 *
 * @param id teacher id, stamped on every soft label
 * @param version teacher version (content hash of the weights unless given)
 * @param format storage format
 * @param modelFile file name of the weights, relative to the descriptor's directory
 * @param labelSpaceId label-space id, e.g. {@code fashion-mnist}
 * @param labelSpaceVersion label-space version
 * @param classNames class names in class-index order
 * @param inputShape shape of one input, without the batch dimension
 * @param architectureFamily core architecture family (DJL format only)
 * @param architectureSpec canonical JSON parameters of the family (DJL format only)
 * @param seed training seed, if trained here
 * @param epochs training epochs, if trained here
 * @param testAccuracy accuracy on the test split, if measured
 * @param trainingSeconds wall time of training, if trained here
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record TeacherDescriptor(
        String id,
        String version,
        TeacherFormat format,
        String modelFile,
        String labelSpaceId,
        int labelSpaceVersion,
        List<String> classNames,
        int[] inputShape,
        String architectureFamily,
        String architectureSpec,
        Long seed,
        Integer epochs,
        Double testAccuracy,
        Double trainingSeconds) {

    /** File name of the descriptor inside a teacher directory. */
    public static final String FILE_NAME = "teacher.json";

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** @return the label space as stamped on outputs */
    public LabelSpace labelSpace() {
        return LabelSpace.newBuilder()
                .setId(labelSpaceId)
                .setVersion(labelSpaceVersion)
                .setClassNames(List.copyOf(classNames))
                .build();
    }

    /** @return the number of classes of the label space */
    public int numClasses() {
        return classNames.size();
    }

    /** @return a copy with another version */
    public TeacherDescriptor withVersion(String newVersion) {
        return new TeacherDescriptor(id, newVersion, format, modelFile, labelSpaceId, labelSpaceVersion, classNames,
                inputShape, architectureFamily, architectureSpec, seed, epochs, testAccuracy, trainingSeconds);
    }

    /**
     * @param newFormat the format of another file holding the same network
     * @param newModelFile that file's name
     * @return a copy describing that file; its version becomes the file's content hash when loaded
     */
    public TeacherDescriptor withModelFile(TeacherFormat newFormat, String newModelFile) {
        return new TeacherDescriptor(id, null, newFormat, newModelFile, labelSpaceId, labelSpaceVersion, classNames,
                inputShape, architectureFamily, architectureSpec, seed, epochs, testAccuracy, trainingSeconds);
    }

    /** @return a copy with another id */
    public TeacherDescriptor withId(String newId) {
        return new TeacherDescriptor(newId, version, format, modelFile, labelSpaceId, labelSpaceVersion, classNames,
                inputShape, architectureFamily, architectureSpec, seed, epochs, testAccuracy, trainingSeconds);
    }

    /** @return a copy with the measured test accuracy and training time */
    public TeacherDescriptor withTraining(double accuracy, double seconds) {
        return new TeacherDescriptor(id, version, format, modelFile, labelSpaceId, labelSpaceVersion, classNames,
                inputShape, architectureFamily, architectureSpec, seed, epochs, accuracy, seconds);
    }

    /** Checks that every field a loader needs is present and consistent. */
    public void validate(Path where) {
        StringBuilder problems = new StringBuilder();
        if (id == null || id.isBlank()) {
            problems.append(" id is missing;");
        }
        if (format == null) {
            problems.append(" format is missing;");
        }
        if (modelFile == null || modelFile.isBlank()) {
            problems.append(" modelFile is missing;");
        }
        if (labelSpaceId == null || labelSpaceId.isBlank()) {
            problems.append(" labelSpaceId is missing;");
        }
        if (classNames == null || classNames.size() < 2) {
            problems.append(" classNames must list at least two classes;");
        }
        if (inputShape == null || inputShape.length == 0) {
            problems.append(" inputShape is missing;");
        } else {
            for (int d : inputShape) {
                if (d < 1) {
                    problems.append(" inputShape has a dimension below 1;");
                    break;
                }
            }
        }
        if (format == TeacherFormat.DJL && (architectureFamily == null || architectureFamily.isBlank())) {
            problems.append(" a DJL teacher needs architectureFamily;");
        }
        if (problems.length() > 0) {
            throw new TeacherLoadException("teacher descriptor " + where + " is invalid:" + problems);
        }
    }

    /**
     * Reads the descriptor of a teacher directory.
     *
     * @param directory the teacher directory
     * @return the validated descriptor
     */
    public static TeacherDescriptor read(Path directory) {
        Path file = directory.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            throw new TeacherLoadException("teacher directory " + directory + " has no " + FILE_NAME
                    + " declaring the teacher's id, label space and input shape");
        }
        TeacherDescriptor d;
        try {
            d = MAPPER.readValue(file.toFile(), TeacherDescriptor.class);
        } catch (IOException e) {
            throw new TeacherLoadException("cannot read teacher descriptor " + file + ": " + e.getMessage(), e);
        }
        d.validate(file);
        return d;
    }

    /**
     * Writes this descriptor into a directory, atomically.
     *
     * @param directory the teacher directory
     */
    public void write(Path directory) throws IOException {
        Files.createDirectories(directory);
        Path tmp = directory.resolve(FILE_NAME + ".tmp");
        MAPPER.writeValue(tmp.toFile(), this);
        Files.move(tmp, directory.resolve(FILE_NAME), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
