package io.distill.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import io.distill.core.checkpoint.NamedTensor;
import io.distill.core.checkpoint.OptimizerState;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An optimizer whose state (per-parameter buffers and step counts) can be exported to and
 * imported from an {@link OptimizerState}, so that training resumes from a checkpoint exactly
 * where it stopped.
 *
 * <p>DJL calls {@link #update} with a parameter's id, a random UUID that differs between runs;
 * state is therefore exported under stable names, by default the names {@link
 * Block#getParameters()} gives (e.g. {@code 02Linear_weight}). For a parameter named {@code n} a
 * subclass's buffers {@code b} are stored as tensors {@code n/b} and its update count as counter
 * {@code n/step}.
 *
 * <p>Each parameter counts its own updates, starting at 1 (the {@code beginNumUpdate} of the
 * builder is not used). The learning-rate {@link Tracker} is asked with the number of updates the
 * parameter already had (0 for its first). Buffers are created lazily, on the weight's manager and
 * device, when a parameter is first updated; imported state is turned into arrays at that moment
 * too. Temporaries of an update are closed by an {@link NDScope}. After its update a parameter's
 * gradient is set to zero, as DJL's built-in optimizers do on PyTorch.
 *
 * <p>Not meant to be shared by several trainers; {@link #resetState()} closes every buffer.
 */
public abstract class StatefulOptimizer extends Optimizer {

    /** The state of one parameter. */
    protected static final class Slot {
        long count;
        final NDArray[] buffers;

        Slot(NDArray[] buffers, long count) {
            this.buffers = buffers;
            this.count = count;
        }
    }

    /** Imported state not yet turned into arrays. */
    private record Pending(long count, float[][] buffers, int[] shape) {}

    private final Tracker learningRate;
    private final Map<String, Slot> slots = new ConcurrentHashMap<>();
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();

    /**
     * @param builder the builder
     * @param learningRate the learning-rate schedule
     */
    protected StatefulOptimizer(OptimizerBuilder<?> builder, Tracker learningRate) {
        super(builder);
        this.learningRate = learningRate;
    }

    /** @return the type written to {@link OptimizerState#type()}, e.g. {@code adamw} */
    public abstract String type();

    /** @return the names of the per-parameter buffers, e.g. {@code m}, {@code v} */
    protected abstract String[] bufferNames();

    /** @return hyper-parameters to record in {@link OptimizerState#attributes()} */
    protected abstract Map<String, String> attributes();

    /**
     * Applies one update in place. Called inside an {@link NDScope}: temporaries need no closing.
     *
     * @param weight the parameter, updated in place
     * @param grad its gradient (already rescaled and clipped element-wise when configured)
     * @param buffers this parameter's buffers, updated in place
     * @param t the update count of this parameter, from 1
     * @param lr the learning rate of this update
     */
    protected abstract void apply(NDArray weight, NDArray grad, NDArray[] buffers, long t, float lr);

    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        Slot slot = slots.computeIfAbsent(parameterId, id -> newSlot(id, weight));
        long t = ++slot.count;
        float lr = learningRate.getNewValue((int) Math.min(Integer.MAX_VALUE, t - 1));
        if (!Float.isFinite(lr)) {
            throw new IllegalStateException("learning rate is " + lr);
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray g = grad;
            if (rescaleGrad != 1f) {
                g = g.mul(rescaleGrad);
            }
            if (clipGrad > 0) {
                g = g.clip(-clipGrad, clipGrad);
            }
            apply(weight, g, slot.buffers, t, lr);
        }
        zeroGradient(weight);
    }

    /**
     * Clears the parameter's accumulated gradient after its update, as DJL's built-in PyTorch
     * optimizers do (the engine accumulates gradients across backward passes otherwise; the
     * {@code grad} handed to {@link #update} is a copy). Clearing is {@code g − g}, like DJL's own
     * {@code zeroGradients}, so a NaN gradient stays NaN: do not step on a non-finite loss.
     */
    private static void zeroGradient(NDArray weight) {
        if (weight.hasGradient()) {
            try (NDArray g = weight.getGradient()) {
                g.subi(g);
            }
        }
    }

    private Slot newSlot(String id, NDArray weight) {
        String[] names = bufferNames();
        NDArray[] buffers = new NDArray[names.length];
        Pending p = pending.remove(id);
        if (p != null && p.shape() != null && !Arrays.equals(p.shape(), toInts(weight.getShape()))) {
            throw new IllegalStateException("imported optimizer state has shape " + Arrays.toString(p.shape())
                    + " but the parameter has " + weight.getShape());
        }
        for (int i = 0; i < names.length; i++) {
            if (p != null && p.buffers()[i] != null) {
                NDArray b = weight.zerosLike();
                b.set(FloatBuffer.wrap(p.buffers()[i]));
                buffers[i] = b;
            } else {
                buffers[i] = weight.zerosLike();
            }
        }
        return new Slot(buffers, p == null ? 0 : p.count());
    }

    /** @return the largest update count over all parameters (the optimizer step) */
    public long stepCount() {
        long max = 0;
        for (Slot s : slots.values()) {
            max = Math.max(max, s.count);
        }
        for (Pending p : pending.values()) {
            max = Math.max(max, p.count());
        }
        return max;
    }

    /** Closes every buffer and forgets all state, including imported state not yet used. */
    public void resetState() {
        for (Slot s : slots.values()) {
            for (NDArray b : s.buffers) {
                b.close();
            }
        }
        slots.clear();
        pending.clear();
    }

    /**
     * @param block a block
     * @return its parameters' ids mapped to their names
     */
    public static Map<String, String> parameterNames(Block block) {
        Map<String, String> names = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            names.put(p.getValue().getId(), p.getKey());
        }
        return names;
    }

    /**
     * @param block the block being trained
     * @return the state, under the block's parameter names
     */
    public OptimizerState exportState(Block block) {
        return exportState(parameterNames(block));
    }

    /**
     * @param names parameter id → stable name, for every parameter that has state
     * @return the state
     * @throws IllegalStateException when a parameter with state has no name
     */
    public OptimizerState exportState(Map<String, String> names) {
        String[] bufferNames = bufferNames();
        Map<String, NamedTensor> tensors = new TreeMap<>();
        Map<String, Long> counters = new TreeMap<>();
        for (Map.Entry<String, Slot> e : slots.entrySet()) {
            String name = nameOf(names, e.getKey());
            Slot s = e.getValue();
            counters.put(name + "/step", s.count);
            for (int i = 0; i < bufferNames.length; i++) {
                NDArray b = s.buffers[i];
                String key = name + "/" + bufferNames[i];
                tensors.put(key, new NamedTensor(key, toInts(b.getShape()), b.toFloatArray()));
            }
        }
        for (Map.Entry<String, Pending> e : pending.entrySet()) {
            String name = nameOf(names, e.getKey());
            Pending p = e.getValue();
            counters.put(name + "/step", p.count());
            for (int i = 0; i < bufferNames.length; i++) {
                if (p.buffers()[i] != null) {
                    String key = name + "/" + bufferNames[i];
                    tensors.put(key, new NamedTensor(key, p.shape(), p.buffers()[i].clone()));
                }
            }
        }
        return new OptimizerState(type(), stepCount(), counters, tensors, attributes());
    }

    /**
     * Replaces this optimizer's state with an exported one, for the parameters of a block.
     *
     * @param state exported by an optimizer of the same type
     * @param block the block to be trained (initialised, so shapes can be checked)
     */
    public void importState(OptimizerState state, Block block) {
        Map<String, int[]> shapes = new HashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (p.getValue().isInitialized()) {
                shapes.put(p.getKey(), toInts(p.getValue().getArray().getShape()));
            }
        }
        importState(state, parameterNames(block), shapes);
    }

    /**
     * @param state exported by an optimizer of the same type
     * @param names parameter id → stable name
     * @param shapes stable name → parameter shape, to check the state against (may be empty)
     * @throws IllegalArgumentException for another optimizer type, state of unknown parameters or
     *     mis-shaped buffers
     */
    public void importState(OptimizerState state, Map<String, String> names, Map<String, int[]> shapes) {
        if (!type().equals(state.type())) {
            throw new IllegalArgumentException("optimizer state is of type " + state.type() + ", this optimizer is " + type());
        }
        String[] bufferNames = bufferNames();
        Map<String, String> idsByName = new HashMap<>();
        names.forEach((id, name) -> idsByName.put(name, id));
        Map<String, Pending> next = new HashMap<>();
        int used = 0;
        for (Map.Entry<String, Long> c : state.counters().entrySet()) {
            String key = c.getKey();
            if (!key.endsWith("/step")) {
                continue;
            }
            String name = key.substring(0, key.length() - "/step".length());
            String id = idsByName.get(name);
            if (id == null) {
                throw new IllegalArgumentException("optimizer state for unknown parameter " + name);
            }
            used++;
            float[][] buffers = new float[bufferNames.length][];
            int[] shape = shapes.get(name);
            for (int i = 0; i < bufferNames.length; i++) {
                NamedTensor t = state.tensors().get(name + "/" + bufferNames[i]);
                if (t == null) {
                    continue;
                }
                used++;
                if (shape != null && !Arrays.equals(shape, t.shape())) {
                    throw new IllegalArgumentException(t.name() + " has shape " + Arrays.toString(t.shape())
                            + ", the parameter " + Arrays.toString(shape));
                }
                shape = t.shape();
                buffers[i] = t.data().clone();
            }
            next.put(id, new Pending(c.getValue(), buffers, shape));
        }
        if (used != state.counters().size() + state.tensors().size()) {
            throw new IllegalArgumentException("optimizer state holds entries this optimizer does not use: "
                    + state.counters().keySet() + " " + state.tensors().keySet());
        }
        resetState();
        pending.putAll(next);
    }

    private static String nameOf(Map<String, String> names, String id) {
        String name = names.get(id);
        if (name == null) {
            throw new IllegalStateException("parameter " + id + " has optimizer state but no name");
        }
        return name;
    }

    private static int[] toInts(Shape shape) {
        int[] out = new int[shape.dimension()];
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.toIntExact(shape.get(i));
        }
        return out;
    }
}
