package io.distill.core.architecture;

import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Set;

/**
 * {@code mlp}: a multi-layer perceptron.
 *
 * <p>Parameters: {@code hidden} (array of widths, default [800, 800], may be empty for a linear
 * model) and {@code dropout} (rate in [0, 1) after each hidden activation, default 0).
 *
 * <p>Network: {@code batchFlatten → (Linear(h) → ReLU [→ Dropout])* → Linear(C)}. The dropout
 * block is present only when the rate is above 0. Parameters: {@code Σ (in·h + h)} over the layers,
 * where the first {@code in} is the product of the input shape.
 */
public final class MlpFamily implements ArchitectureFamily {

    /** The family name. */
    public static final String NAME = "mlp";

    private static final Set<String> KNOWN = Set.of("hidden", "dropout");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ObjectNode normalize(ObjectNode params) {
        Params.rejectUnknown(NAME, params, KNOWN);
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.set("hidden", Params.intList(NAME, params, "hidden", List.of(800, 800), 1, true));
        out.put("dropout", Params.rate(NAME, params, "dropout", 0.0));
        return out;
    }

    @Override
    public Block build(ArchitectureSpec spec, int[] inputShape, int numClasses) {
        Params.product(inputShape);
        double dropout = spec.getDouble("dropout");
        SequentialBlock net = new SequentialBlock();
        net.add(Blocks.batchFlattenBlock());
        for (int width : spec.getIntList("hidden")) {
            net.add(Linear.builder().setUnits(width).build());
            net.add(Activation.reluBlock());
            if (dropout > 0) {
                net.add(Dropout.builder().optRate((float) dropout).build());
            }
        }
        net.add(Linear.builder().setUnits(numClasses).build());
        return net;
    }

    @Override
    public long parameterCount(ArchitectureSpec spec, int[] inputShape, int numClasses) {
        long in = Params.product(inputShape);
        long count = 0;
        for (int width : spec.getIntList("hidden")) {
            count += in * width + width;
            in = width;
        }
        return count + in * numClasses + numClasses;
    }
}
