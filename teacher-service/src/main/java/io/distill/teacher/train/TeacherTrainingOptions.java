package io.distill.teacher.train;

import io.distill.core.architecture.ArchitectureSpec;

/**
 * How to train one teacher.
 *
 * @param id teacher id
 * @param architecture network declared in core's architecture factory
 * @param seed random seed (weights and shuffling)
 * @param epochs passes over the training split
 * @param batchSize training batch size
 * @param learningRate Adam learning rate
 * @param trainLimit use at most this many training images (0 = all)
 * @param testLimit evaluate on at most this many test images (0 = all)
 * @param recipe learning-rate schedule and augmentation
 */
public record TeacherTrainingOptions(
        String id,
        ArchitectureSpec architecture,
        long seed,
        int epochs,
        int batchSize,
        float learningRate,
        int trainLimit,
        int testLimit,
        TrainingRecipe recipe) {

    /** Options with the {@link TrainingRecipe#PLAIN plain} recipe (constant rate, no augmentation). */
    public TeacherTrainingOptions(String id, ArchitectureSpec architecture, long seed, int epochs, int batchSize,
            float learningRate, int trainLimit, int testLimit) {
        this(id, architecture, seed, epochs, batchSize, learningRate, trainLimit, testLimit, TrainingRecipe.PLAIN);
    }

    public TeacherTrainingOptions {
        recipe = recipe == null ? TrainingRecipe.PLAIN : recipe;
        if (id == null || !id.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw new IllegalArgumentException("teacher id must be letters, digits, '.', '_' or '-': " + id);
        }
        if (epochs < 1 || batchSize < 1 || !(learningRate > 0)) {
            throw new IllegalArgumentException("epochs, batch size and learning rate must be positive");
        }
    }
}
