package io.distill.teacher.model;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.translate.TranslateException;
import io.distill.schema.LabelSpace;

/**
 * A loaded teacher: the DJL model plus its descriptor (id, version, label space, input shape).
 * Thread-safe; every worker thread takes its own {@link TeacherInference} (its own {@code
 * Predictor}) with {@link #newInference()}.
 */
public final class TeacherModel implements AutoCloseable {

    private final TeacherDescriptor descriptor;
    private final Model model;
    private final Device device;

    TeacherModel(TeacherDescriptor descriptor, Model model, Device device) {
        this.descriptor = descriptor;
        this.model = model;
        this.device = device;
    }

    public TeacherDescriptor descriptor() {
        return descriptor;
    }

    public String id() {
        return descriptor.id();
    }

    public String version() {
        return descriptor.version();
    }

    public LabelSpace labelSpace() {
        return descriptor.labelSpace();
    }

    public int[] inputShape() {
        return descriptor.inputShape().clone();
    }

    public int numClasses() {
        return descriptor.numClasses();
    }

    public Device device() {
        return device;
    }

    /** @return the underlying DJL model (for training code and benchmarks) */
    public Model djlModel() {
        return model;
    }

    /** @return a new single-thread handle with its own predictor; close it when the thread ends */
    public TeacherInference newInference() {
        Predictor<float[][], float[][]> predictor =
                model.newPredictor(new LogProbabilityTranslator(descriptor.inputShape()), device);
        int classes = numClasses();
        return new TeacherInference() {
            @Override
            public float[][] logProbabilities(float[][] batch) throws TranslateException {
                float[][] out = predictor.predict(batch);
                if (out.length != batch.length || (out.length > 0 && out[0].length != classes)) {
                    throw new IllegalStateException("teacher " + id() + " returned " + out.length + " rows of "
                            + (out.length == 0 ? 0 : out[0].length) + " classes for a batch of " + batch.length
                            + "; its label space has " + classes + " classes");
                }
                return out;
            }

            @Override
            public void close() {
                predictor.close();
            }
        };
    }

    @Override
    public void close() {
        model.close();
    }

    @Override
    public String toString() {
        return "teacher " + id() + "@" + version() + " (" + descriptor.format() + ", label space "
                + descriptor.labelSpaceId() + " v" + descriptor.labelSpaceVersion() + ")";
    }
}
