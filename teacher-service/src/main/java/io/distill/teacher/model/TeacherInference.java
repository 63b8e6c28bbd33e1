package io.distill.teacher.model;

/**
 * One worker's handle on a teacher: runs a batch of inputs through the network in one forward pass.
 * Not thread-safe; each worker thread owns its own instance (backed by its own DJL {@code
 * Predictor}).
 */
public interface TeacherInference extends AutoCloseable {

    /**
     * @param batch decoded inputs, each holding the elements of one input in row-major order
     * @return temperature-1 natural-log probabilities, one row of {@code numClasses} per input
     * @throws Exception when the engine fails on the batch
     */
    float[][] logProbabilities(float[][] batch) throws Exception;

    @Override
    void close();
}
