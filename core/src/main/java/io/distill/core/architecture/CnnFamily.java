package io.distill.core.architecture;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * {@code cnn}: a small convolutional network for images.
 *
 * <p>Parameters: {@code channels} (output channels per conv block, default [32, 64]), {@code
 * kernel} (odd square kernel size, default 3), {@code dense} (width of the hidden dense layer,
 * default 128), {@code dropout} (rate before the output layer, default 0) and {@code batchNorm}
 * (batch normalisation after each convolution, default false; written into the canonical JSON only
 * when true, so specs and checkpoints from before the option keep their exact form).
 *
 * <p>Input: {@code [C, H, W]}, {@code [H, W]} (one channel) or {@code [N]} with N a perfect square
 * (one channel of √N × √N, e.g. a flat 784-pixel image). The input is reshaped to {@code (B, C, H,
 * W)}.
 *
 * <p>Network: per entry of {@code channels}, {@code Conv2d(k×k, padding k/2, stride 1) [→
 * BatchNorm(channel axis, ε 1e-5)] → ReLU → MaxPool(2×2, stride 2)} (each pool halves H and W,
 * rounding down); then {@code flatten → Linear(dense) → ReLU [→ Dropout] → Linear(C)}. Parameters:
 * per conv {@code c_in·c_out·k² + c_out} (plus {@code 4·c_out} with batch norm: γ, β, running mean
 * and running variance), then {@code c_last·H'·W'·dense + dense} and {@code dense·C + C}.
 */
public final class CnnFamily implements ArchitectureFamily {

    /** The family name. */
    public static final String NAME = "cnn";

    /** Epsilon of the batch normalisation layers (also what an exported equivalent must use). */
    public static final float BATCH_NORM_EPSILON = 1e-5f;

    private static final Set<String> KNOWN = Set.of("channels", "kernel", "dense", "dropout", "batchNorm");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ObjectNode normalize(ObjectNode params) {
        Params.rejectUnknown(NAME, params, KNOWN);
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.set("channels", Params.intList(NAME, params, "channels", List.of(32, 64), 1, false));
        int kernel = Params.intParam(NAME, params, "kernel", 3, 1);
        if (kernel % 2 == 0) {
            throw new IllegalArgumentException(NAME + ": 'kernel' must be odd, was " + kernel);
        }
        out.put("kernel", kernel);
        out.put("dense", Params.intParam(NAME, params, "dense", 128, 1));
        out.put("dropout", Params.rate(NAME, params, "dropout", 0.0));
        if (Params.flag(NAME, params, "batchNorm", false)) {
            out.put("batchNorm", true);
        }
        return out;
    }

    /**
     * @param inputShape shape of one input
     * @return {C, H, W}
     */
    static int[] imageShape(int[] inputShape) {
        Params.product(inputShape);
        switch (inputShape.length) {
            case 3:
                return inputShape.clone();
            case 2:
                return new int[] {1, inputShape[0], inputShape[1]};
            case 1:
                int side = (int) Math.round(Math.sqrt(inputShape[0]));
                if (side * side == inputShape[0]) {
                    return new int[] {1, side, side};
                }
                break;
            default:
                break;
        }
        throw new IllegalArgumentException(
                NAME + ": input shape " + Arrays.toString(inputShape)
                        + " is not [C,H,W], [H,W] or [N] with N a perfect square");
    }

    @Override
    public Block build(ArchitectureSpec spec, int[] inputShape, int numClasses) {
        int[] chw = imageShape(inputShape);
        spatialAfterPools(spec, chw);
        int kernel = spec.getInt("kernel");
        double dropout = spec.getDouble("dropout");
        boolean batchNorm = batchNorm(spec);
        Shape image = new Shape(-1, chw[0], chw[1], chw[2]);
        SequentialBlock net = new SequentialBlock();
        net.add(list -> new NDList(list.singletonOrThrow().reshape(image)), "toImage");
        for (int channels : spec.getIntList("channels")) {
            net.add(Conv2d.builder()
                    .setKernelShape(new Shape(kernel, kernel))
                    .optPadding(new Shape(kernel / 2, kernel / 2))
                    .optStride(new Shape(1, 1))
                    .setFilters(channels)
                    .build());
            if (batchNorm) {
                net.add(BatchNorm.builder().optAxis(1).optEpsilon(BATCH_NORM_EPSILON).build());
            }
            net.add(Activation.reluBlock());
            net.add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)));
        }
        net.add(Blocks.batchFlattenBlock());
        net.add(Linear.builder().setUnits(spec.getInt("dense")).build());
        net.add(Activation.reluBlock());
        if (dropout > 0) {
            net.add(Dropout.builder().optRate((float) dropout).build());
        }
        net.add(Linear.builder().setUnits(numClasses).build());
        return net;
    }

    @Override
    public long parameterCount(ArchitectureSpec spec, int[] inputShape, int numClasses) {
        int[] chw = imageShape(inputShape);
        int[] hw = spatialAfterPools(spec, chw);
        long k2 = (long) spec.getInt("kernel") * spec.getInt("kernel");
        long in = chw[0];
        long count = 0;
        for (int channels : spec.getIntList("channels")) {
            count += in * channels * k2 + channels + (batchNorm(spec) ? 4L * channels : 0);
            in = channels;
        }
        long dense = spec.getInt("dense");
        long flat = in * hw[0] * hw[1];
        count += flat * dense + dense;
        return count + dense * numClasses + numClasses;
    }

    /**
     * @param spec a cnn spec
     * @return whether its convolutions are followed by batch normalisation
     */
    public static boolean batchNorm(ArchitectureSpec spec) {
        return spec.params().path("batchNorm").asBoolean(false);
    }

    private static int[] spatialAfterPools(ArchitectureSpec spec, int[] chw) {
        int h = chw[1];
        int w = chw[2];
        for (int ignored : spec.getIntList("channels")) {
            h /= 2;
            w /= 2;
            if (h < 1 || w < 1) {
                throw new IllegalArgumentException(
                        NAME + ": input " + chw[1] + "x" + chw[2] + " is too small for "
                                + spec.getIntList("channels").size() + " pooling stages");
            }
        }
        return new int[] {h, w};
    }
}
