package io.distill.teacher.service;

/**
 * The teacher's answer for one input.
 *
 * @param logProbs temperature-1 natural-log probabilities over the label space
 * @param batchLatencyMicros inference time of the batch that held the input
 * @param batchSize size of that batch
 */
public record InferenceResult(float[] logProbs, long batchLatencyMicros, int batchSize) {}
