package io.distill.serving.server;

/** The answer of one model version to a batch of inputs: per row, the most likely class and every probability. */
public record Answer(String model, long version, int[] classes, float[][] probabilities, long latencyMicros) {
}
