package io.distill.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.List;

/**
 * Clipping by global norm, applied to the gradients after {@code backward} and before {@code
 * Trainer.step()}: when the L2 norm of all gradients together, {@code ‖g‖ = √(Σ_p Σ g_p²)},
 * exceeds {@code maxNorm}, every gradient is multiplied by {@code maxNorm / (‖g‖ + 1e-6)} (as
 * PyTorch's {@code clip_grad_norm_}); otherwise nothing changes. Operates on the parameters' own
 * arrays, i.e. a single-device trainer.
 */
public final class GradientClipping {

    private GradientClipping() {}

    /**
     * @param block the block being trained
     * @param maxNorm the largest allowed global norm (&gt; 0)
     * @return the global norm before clipping
     */
    public static double clipByGlobalNorm(Block block, double maxNorm) {
        List<NDArray> grads = gradients(block);
        try {
            return clipByGlobalNorm(grads, maxNorm);
        } finally {
            grads.forEach(NDArray::close);
        }
    }

    /**
     * @param block the block being trained
     * @return the global norm of its gradients
     */
    public static double globalNorm(Block block) {
        List<NDArray> grads = gradients(block);
        try {
            return globalNorm(grads);
        } finally {
            grads.forEach(NDArray::close);
        }
    }

    /**
     * Scales gradient arrays in place.
     *
     * @param gradients the gradients
     * @param maxNorm the largest allowed global norm (&gt; 0)
     * @return the global norm before clipping
     */
    public static double clipByGlobalNorm(List<NDArray> gradients, double maxNorm) {
        if (!(maxNorm > 0)) {
            throw new IllegalArgumentException("maxNorm must be positive, was " + maxNorm);
        }
        double norm = globalNorm(gradients);
        if (norm > maxNorm) {
            float scale = (float) (maxNorm / (norm + 1e-6));
            for (NDArray g : gradients) {
                g.muli(scale);
            }
        }
        return norm;
    }

    /**
     * @param gradients arrays
     * @return the L2 norm of all their elements together
     */
    public static double globalNorm(List<NDArray> gradients) {
        double sum = 0;
        for (NDArray g : gradients) {
            // Both temporaries live on the gradient's manager, i.e. the network's, for the network's life unless closed.
            try (NDArray sq = g.square(); NDArray total = sq.sum()) {
                sum += total.getFloat();
            }
        }
        return Math.sqrt(sum);
    }

    private static List<NDArray> gradients(Block block) {
        List<NDArray> grads = new ArrayList<>();
        for (Parameter p : block.getParameters().values()) {
            if (p.requiresGradient() && p.isInitialized() && p.getArray().hasGradient()) {
                grads.add(p.getArray().getGradient());
            }
        }
        return grads;
    }
}
