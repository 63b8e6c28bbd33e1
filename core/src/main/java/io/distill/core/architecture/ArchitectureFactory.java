package io.distill.core.architecture;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.XavierInitializer;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Builds networks from an {@link ArchitectureSpec}. The trainer, DJL-native teachers and serving
 * all build through this class, so one spec, input shape and class count always give the same
 * structure with the same parameter names — what {@code io.distill.core.checkpoint.BlockParameters} relies on to load parameters
 * by name.
 *
 * <p>Families {@code mlp} ({@link MlpFamily}) and {@code cnn} ({@link CnnFamily}) are built in;
 * more can be {@link #register registered}.
 */
public final class ArchitectureFactory {

    private static final Map<String, ArchitectureFamily> FAMILIES = new ConcurrentHashMap<>();

    static {
        register(new MlpFamily());
        register(new CnnFamily());
    }

    private ArchitectureFactory() {}

    /**
     * Adds or replaces a family.
     *
     * @param family the family
     */
    public static void register(ArchitectureFamily family) {
        FAMILIES.put(family.name().toLowerCase(Locale.ROOT), family);
    }

    /** @return the registered family names, sorted */
    public static Set<String> families() {
        return new TreeSet<>(FAMILIES.keySet());
    }

    /**
     * @param name a family name (case-insensitive)
     * @return the family
     * @throws IllegalArgumentException when none is registered under that name
     */
    public static ArchitectureFamily family(String name) {
        ArchitectureFamily f = name == null ? null : FAMILIES.get(name.toLowerCase(Locale.ROOT));
        if (f == null) {
            throw new IllegalArgumentException("unknown architecture family '" + name + "', known: " + families());
        }
        return f;
    }

    /**
     * Builds the uninitialised network; its output is {@code (B, numClasses)} logits.
     *
     * @param spec the declared architecture
     * @param inputShape shape of one input, without the batch dimension
     * @param numClasses number of output classes
     * @return the block
     */
    public static Block build(ArchitectureSpec spec, int[] inputShape, int numClasses) {
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses must be at least 1, was " + numClasses);
        }
        return family(spec.family()).build(spec, inputShape, numClasses);
    }

    /**
     * Builds and initialises the network (Xavier weights, zero biases) for a batch of inputs.
     *
     * @param spec the declared architecture
     * @param inputShape shape of one input
     * @param numClasses number of output classes
     * @param manager owner of the parameter arrays
     * @return the initialised block
     */
    public static Block buildInitialized(ArchitectureSpec spec, int[] inputShape, int numClasses, NDManager manager) {
        Block block = build(spec, inputShape, numClasses);
        initialize(block, inputShape, manager);
        return block;
    }

    /**
     * Initialises a block built by this factory: Xavier for weights, the defaults (zeros) for the
     * rest.
     *
     * @param block the block
     * @param inputShape shape of one input, without the batch dimension
     * @param manager owner of the parameter arrays
     */
    public static void initialize(Block block, int[] inputShape, NDManager manager) {
        block.setInitializer(new XavierInitializer(), Parameter.Type.WEIGHT);
        block.initialize(manager, DataType.FLOAT32, batchShape(1, inputShape));
    }

    /**
     * @param spec the declared architecture
     * @param inputShape shape of one input
     * @param numClasses number of output classes
     * @return the number of trainable scalar parameters
     */
    public static long parameterCount(ArchitectureSpec spec, int[] inputShape, int numClasses) {
        return family(spec.family()).parameterCount(spec, inputShape, numClasses);
    }

    /**
     * Counts the scalars of an initialised block's parameters.
     *
     * @param block an initialised block
     * @return the number of scalar parameters
     */
    public static long parameterCount(Block block) {
        long n = 0;
        for (Parameter p : block.getParameters().values()) {
            n += p.getArray().getShape().size();
        }
        return n;
    }

    /**
     * @param batch batch size
     * @param inputShape shape of one input
     * @return {@code (batch, inputShape...)}
     */
    public static Shape batchShape(long batch, int[] inputShape) {
        long[] dims = new long[inputShape.length + 1];
        dims[0] = batch;
        for (int i = 0; i < inputShape.length; i++) {
            dims[i + 1] = inputShape[i];
        }
        return new Shape(dims);
    }
}
