package io.distill.core.architecture;

import ai.djl.nn.Block;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One kind of network (e.g. {@code mlp}, {@code cnn}): how its parameters are checked and
 * completed with defaults, how the DJL block is built, and how many trainable parameters it has.
 *
 * <p>A family must be deterministic: the same normalised parameters, input shape and class count
 * always give a block with the same structure and the same parameter names, so that a checkpoint
 * written by the trainer loads into the network serving builds. New families are added with
 * {@link ArchitectureFactory#register(ArchitectureFamily)}.
 */
public interface ArchitectureFamily {

    /** @return the family name used in {@link ArchitectureSpec#family()}, lower case */
    String name();

    /**
     * Checks parameters and fills in defaults.
     *
     * @param params the declared parameters (never modified)
     * @return a new object holding every parameter of the family, each with its canonical type
     * @throws IllegalArgumentException for an unknown parameter or an invalid value
     */
    ObjectNode normalize(ObjectNode params);

    /**
     * Builds the (uninitialised) network; its output is one logit per class.
     *
     * @param spec a spec of this family
     * @param inputShape the shape of one input, without the batch dimension
     * @param numClasses the number of outputs
     * @return the block
     */
    Block build(ArchitectureSpec spec, int[] inputShape, int numClasses);

    /**
     * Counts the trainable parameters without building arrays.
     *
     * @param spec a spec of this family
     * @param inputShape the shape of one input
     * @param numClasses the number of outputs
     * @return the number of scalar parameters
     */
    long parameterCount(ArchitectureSpec spec, int[] inputShape, int numClasses);
}
