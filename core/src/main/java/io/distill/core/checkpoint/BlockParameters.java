package io.distill.core.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.util.Pair;
import io.distill.core.architecture.ArchitectureFactory;
import io.distill.core.architecture.ArchitectureSpec;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Moves parameters between an initialised DJL {@link Block} and {@link NamedTensor}s, by the names
 * {@link Block#getParameters()} gives them (e.g. {@code 02Linear_weight}). Blocks built by {@link
 * ArchitectureFactory} from one spec have the same names, so a checkpoint written from the
 * trainer's network loads into serving's.
 */
public final class BlockParameters {

    private BlockParameters() {}

    /**
     * Copies every parameter of an initialised block, in the block's order.
     *
     * @param block an initialised block
     * @return one tensor per parameter
     */
    public static List<NamedTensor> export(Block block) {
        List<NamedTensor> out = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            NDArray array = p.getValue().getArray();
            out.add(new NamedTensor(p.getKey(), toInts(array.getShape()), toFloats(array)));
        }
        return out;
    }

    /**
     * Writes tensors into an initialised block's parameters in place. Every parameter must have a
     * tensor of the same name and shape, and every tensor a parameter.
     *
     * @param block an initialised block
     * @param tensors the values
     * @throws CheckpointFormatException naming the missing, extra or mis-shaped parameter
     */
    public static void load(Block block, List<NamedTensor> tensors) throws CheckpointFormatException {
        Map<String, NamedTensor> byName = new LinkedHashMap<>();
        for (NamedTensor t : tensors) {
            byName.put(t.name(), t);
        }
        ParameterList params = block.getParameters();
        for (Pair<String, Parameter> p : params) {
            NamedTensor t = byName.get(p.getKey());
            if (t == null) {
                throw new CheckpointFormatException("checkpoint has no value for parameter " + p.getKey());
            }
            Shape expected = p.getValue().getArray().getShape();
            if (!Arrays.equals(toInts(expected), t.shape())) {
                throw new CheckpointFormatException(
                        "parameter " + p.getKey() + " has shape " + expected + " in the network but "
                                + Arrays.toString(t.shape()) + " in the checkpoint");
            }
        }
        if (byName.size() != params.size()) {
            List<String> extra = new ArrayList<>(byName.keySet());
            params.forEach(p -> extra.remove(p.getKey()));
            throw new CheckpointFormatException("checkpoint has parameters the network lacks: " + extra);
        }
        for (Pair<String, Parameter> p : params) {
            NDArray array = p.getValue().getArray();
            if (array.getDataType() != DataType.FLOAT32) {
                throw new CheckpointFormatException("parameter " + p.getKey() + " is " + array.getDataType() + ", not float32");
            }
            array.set(FloatBuffer.wrap(byName.get(p.getKey()).data()));
        }
    }

    /**
     * Builds the checkpoint's network with {@link ArchitectureFactory}, initialises it and loads
     * the parameters.
     *
     * @param checkpoint the checkpoint
     * @param manager owner of the parameter arrays
     * @return the ready block
     * @throws CheckpointFormatException when the parameters do not fit the declared network
     */
    public static Block buildAndLoad(Checkpoint checkpoint, NDManager manager) throws CheckpointFormatException {
        ArchitectureSpec spec = checkpoint.architecture();
        Block block = ArchitectureFactory.buildInitialized(spec, checkpoint.inputShape(), checkpoint.numClasses(), manager);
        load(block, checkpoint.parameters());
        return block;
    }

    private static int[] toInts(Shape shape) {
        int[] out = new int[shape.dimension()];
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.toIntExact(shape.get(i));
        }
        return out;
    }

    private static float[] toFloats(NDArray array) {
        Objects.requireNonNull(array, "parameter array");
        if (array.getDataType() == DataType.FLOAT32) {
            return array.toFloatArray();
        }
        try (NDArray f = array.toType(DataType.FLOAT32, true)) {
            return f.toFloatArray();
        }
    }
}
