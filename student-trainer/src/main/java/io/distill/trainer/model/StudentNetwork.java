package io.distill.trainer.model;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.util.Pair;
import io.distill.core.architecture.ArchitectureFactory;
import io.distill.core.architecture.ArchitectureSpec;
import io.distill.core.checkpoint.BlockParameters;
import io.distill.core.checkpoint.Checkpoint;
import io.distill.core.checkpoint.CheckpointFormatException;
import io.distill.core.checkpoint.NamedTensor;
import io.distill.core.checkpoint.OptimizerState;
import io.distill.core.compute.IntraOpThreads;
import io.distill.schema.LabelSpace;
import io.distill.trainer.adaptive.AdaptiveWeighting;
import io.distill.trainer.data.Sample;
import io.distill.trainer.loss.CodistillationLoss;
import io.distill.trainer.loss.DistillationLoss;
import io.distill.trainer.optim.GradientClipping;
import io.distill.trainer.optim.StatefulOptimizer;

import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;

/**
 * The student being trained, in the shape of DJL's training examples: one {@link Model} and one {@link Trainer}
 * for the lineage's life, a {@link GradientCollector} per step, arrays of each batch created in a sub-manager that
 * is closed after the step. The optimizer is the project's {@link StatefulOptimizer}, so its state travels in
 * checkpoints; gradients are clipped by global norm before the optimizer step.
 */
public final class StudentNetwork implements AutoCloseable {

    private static final int EVAL_BATCH = 256;
    /**
     * DJL's PyTorch engine allows one collecting {@link GradientCollector} per process at a time, so networks trained
     * side by side in one JVM (e.g. the site trainers of an experiment) take turns per step.
     */
    private static final Object STEP_LOCK = new Object();

    private final ArchitectureSpec spec;
    private final int[] inputShape;
    private final LabelSpace labelSpace;
    private final int numClasses;
    private final int inputSize;
    private final Model model;
    private final Trainer trainer;
    private final StatefulOptimizer optimizer;
    private final DistillationLoss loss;
    private final double clipNorm;
    private volatile boolean quantizationAware;

    public StudentNetwork(ArchitectureSpec spec, int[] inputShape, LabelSpace labelSpace, int numClasses,
                          OptimizerSettings settings, Device device, long seed) {
        this.spec = spec;
        this.inputShape = inputShape.clone();
        this.labelSpace = labelSpace;
        this.numClasses = numClasses;
        int size = 1;
        for (int d : inputShape) {
            size *= d;
        }
        this.inputSize = size;
        this.clipNorm = settings.clipNorm();
        Engine.getInstance().setRandomSeed((int) seed);
        this.model = Model.newInstance("student", device);
        model.setBlock(ArchitectureFactory.build(spec, inputShape, numClasses));
        this.optimizer = settings.build();
        this.loss = new DistillationLoss(0.9f, 1f);
        DefaultTrainingConfig config = new DefaultTrainingConfig(loss)
                .optOptimizer(optimizer)
                .optDevices(new Device[]{device})
                .optInitializer(new XavierInitializer(), Parameter.Type.WEIGHT);
        this.trainer = model.newTrainer(config);
        trainer.initialize(ArchitectureFactory.batchShape(1, inputShape));
    }

    public ArchitectureSpec spec() {
        return spec;
    }

    public int[] inputShape() {
        return inputShape.clone();
    }

    public LabelSpace labelSpace() {
        return labelSpace;
    }

    public int numClasses() {
        return numClasses;
    }

    public Block block() {
        return model.getBlock();
    }

    public long parameterCount() {
        return ArchitectureFactory.parameterCount(model.getBlock());
    }

    /**
     * Quantization-aware training: every step's forward and backward pass run on int8 fake-quantized weights and the
     * gradient updates the float weights straight through ({@link FakeQuantizedWeights}).
     */
    public void quantizationAware(boolean on) {
        this.quantizationAware = on;
    }

    public boolean quantizationAware() {
        return quantizationAware;
    }

    /** The optimizer's step count (resumed from a checkpoint when restored). */
    public long optimizerSteps() {
        return optimizer.stepCount();
    }

    /**
     * One optimizer step on {@code samples}.
     *
     * @param weighting the trainer's own per-example factor, multiplied into each sample's weight
     * @return the batch loss before the step and the gradient norm before clipping
     */
    public StepResult train(List<Sample> samples, float alpha, float temperature, AdaptiveWeighting weighting) {
        return train(samples, alpha, temperature, weighting, null, null, 0f);
    }

    /**
     * One optimizer step with a codistillation term: the loss is the distillation loss plus
     * {@code beta * T^2 * KL(peer_T || student_T)}, batch mean, where {@code peer} is the other sites' mean
     * distribution on these same samples (natural-log probabilities at temperature 1, one row per sample)
     * ({@link CodistillationLoss}). A sample with neither a teacher target nor a hard label (a peer-only sample)
     * learns from the peer term alone, where its mask is 1.
     *
     * @param peerLogProbs one row per sample, or null for no peer term
     * @param peerMask 1 for the samples the peer term applies to, 0 for the others (still counted in the batch
     *     mean); null = all
     * @param beta weight of the peer term
     */
    public StepResult train(List<Sample> samples, float alpha, float temperature, AdaptiveWeighting weighting,
                            float[][] peerLogProbs, float[] peerMask, float beta) {
        GradMode.disableOnThisThread();
        IntraOpThreads.applyToCurrentThread();
        boolean anyTarget = false;
        for (int i = 0; i < samples.size() && !anyTarget; i++) {
            anyTarget = samples.get(i).hasTeacher() || samples.get(i).hasHardLabel()
                    || (peerLogProbs != null && beta > 0 && (peerMask == null || peerMask[i] > 0));
        }
        if (!anyTarget) {
            // Nothing to learn (e.g. hard-labels-only training and no label in this batch yet): no step is taken.
            return new StepResult(0f, 0.0);
        }
        int b = samples.size();
        float[] x = new float[b * inputSize];
        float[] teacher = new float[b * numClasses];
        float[] mask = new float[b];
        float[] hard = new float[b];
        float[] weight = new float[b];
        float[][] teacherRows = new float[b][];
        for (int i = 0; i < b; i++) {
            Sample s = samples.get(i);
            System.arraycopy(s.input(), 0, x, i * inputSize, inputSize);
            if (s.hasTeacher()) {
                System.arraycopy(s.teacherLogProbs(), 0, teacher, i * numClasses, numClasses);
                mask[i] = 1f;
                teacherRows[i] = s.teacherLogProbs();
            }
            hard[i] = s.hardLabel();
            weight[i] = s.weight();
        }
        try (NDManager batch = trainer.getManager().newSubManager()) {
            NDArray input = batch.create(FloatBuffer.wrap(x), ArchitectureFactory.batchShape(b, inputShape));
            NDArray teacherArray = batch.create(FloatBuffer.wrap(teacher), new Shape(b, numClasses));
            float lossValue;
            synchronized (STEP_LOCK) {
                // With quantization-aware training the pass runs on fake-quantized weights; the float weights are put
                // back (gradients kept) before clipping and the optimizer step.
                try (FakeQuantizedWeights quantized = quantizationAware
                        ? FakeQuantizedWeights.apply(model.getBlock()) : null;
                     GradientCollector collector = trainer.newGradientCollector()) {
                    NDList predictions = trainer.forward(new NDList(input));
                    float[] factors = weighting.factors(teacherRows,
                            weighting.needsStudent() ? studentProbs(predictions.singletonOrThrow(), b) : null);
                    for (int i = 0; i < b; i++) {
                        weight[i] *= factors[i];
                    }
                    NDList labels = DistillationLoss.labels(teacherArray, batch.create(hard), batch.create(weight),
                            batch.create(mask));
                    NDArray value;
                    if (peerLogProbs != null && beta > 0) {
                        float[] peer = new float[b * numClasses];
                        for (int i = 0; i < b; i++) {
                            System.arraycopy(peerLogProbs[i], 0, peer, i * numClasses, numClasses);
                        }
                        NDArray peerArray = batch.create(FloatBuffer.wrap(peer), new Shape(b, numClasses));
                        value = CodistillationLoss.evaluate(loss, labels, predictions, alpha, temperature, peerArray,
                                peerMask == null ? null : batch.create(peerMask), beta);
                    } else {
                        value = loss.evaluate(labels, predictions, alpha, temperature);
                    }
                    collector.backward(value);
                    lossValue = value.getFloat();
                }
                double norm = clipNorm > 0 ? GradientClipping.clipByGlobalNorm(model.getBlock(), clipNorm)
                        : GradientClipping.globalNorm(model.getBlock());
                trainer.step();
                return new StepResult(lossValue, norm);
            }
        }
    }

    private float[][] studentProbs(NDArray logits, int b) {
        float[] flat = logits.softmax(1).toFloatArray();
        float[][] rows = new float[b][numClasses];
        for (int i = 0; i < b; i++) {
            System.arraycopy(flat, i * numClasses, rows[i], 0, numClasses);
        }
        return rows;
    }

    /** The current network's log-probabilities for each sample (inference mode: no dropout). */
    public double[][] logProbs(List<Sample> samples) {
        return logProbs(model.getBlock(), trainer.getManager(), inputShape, numClasses, samples);
    }

    /**
     * Log-probabilities of the network as an int8 checkpoint of it would compute them: weights fake-quantized for
     * the evaluation, float weights restored afterwards.
     */
    public double[][] quantizedLogProbs(List<Sample> samples) {
        GradMode.disableOnThisThread();
        try (FakeQuantizedWeights ignored = FakeQuantizedWeights.apply(model.getBlock())) {
            return logProbs(samples);
        }
    }

    /** Log-probabilities of any block of this architecture, batch by batch, each in its own sub-manager. */
    public static double[][] logProbs(Block block, NDManager manager, int[] inputShape, int numClasses,
                                      List<Sample> samples) {
        IntraOpThreads.applyToCurrentThread();
        int inputSize = 1;
        for (int d : inputShape) {
            inputSize *= d;
        }
        double[][] out = new double[samples.size()][];
        for (int from = 0; from < samples.size(); from += EVAL_BATCH) {
            int b = Math.min(EVAL_BATCH, samples.size() - from);
            float[] x = new float[b * inputSize];
            for (int i = 0; i < b; i++) {
                System.arraycopy(samples.get(from + i).input(), 0, x, i * inputSize, inputSize);
            }
            try (NDManager sub = manager.newSubManager()) {
                NDArray input = sub.create(FloatBuffer.wrap(x), ArchitectureFactory.batchShape(b, inputShape));
                NDArray logits = block.forward(new ParameterStore(sub, false), new NDList(input), false)
                        .singletonOrThrow();
                float[] flat = logits.logSoftmax(1).toFloatArray();
                for (int i = 0; i < b; i++) {
                    double[] row = new double[numClasses];
                    for (int c = 0; c < numClasses; c++) {
                        row[c] = flat[i * numClasses + c];
                    }
                    out[from + i] = row;
                }
            }
        }
        return out;
    }

    /** Whether every parameter is finite: a candidate with NaN or infinite weights is never published. */
    public boolean weightsFinite() {
        for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
            NDArray a = p.getValue().getArray();
            // Every temporary is created on the parameter's manager and must be closed, not only the last one.
            try (NDArray nan = a.isNaN(); NDArray infinite = a.isInfinite(); NDArray either = nan.logicalOr(infinite);
                 NDArray bad = either.any()) {
                if (bad.getBoolean()) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The checkpoint of the current parameters and optimizer state. */
    public Checkpoint checkpoint(Map<String, String> metadata) {
        return Checkpoint.builder()
                .architecture(spec)
                .inputShape(inputShape)
                .labelSpace(labelSpace)
                .numClasses(numClasses)
                .parameters(BlockParameters.export(model.getBlock()))
                .optimizerState(optimizer.exportState(model.getBlock()))
                .metadata(metadata)
                .build();
    }

    /** Loads parameters and, when present, optimizer state from a checkpoint of this architecture. */
    public void restore(Checkpoint checkpoint) throws CheckpointFormatException {
        if (!checkpoint.architecture().equals(spec)) {
            throw new CheckpointFormatException("checkpoint architecture " + checkpoint.architecture()
                    + " differs from the student's " + spec);
        }
        BlockParameters.load(model.getBlock(), checkpoint.parameters());
        OptimizerState state = checkpoint.optimizerState().orElse(null);
        if (state != null) {
            optimizer.importState(state, model.getBlock());
        }
    }

    /** Replaces the parameters (e.g. to degrade or reset a candidate); optimizer state is kept. */
    public void loadParameters(List<NamedTensor> parameters) throws CheckpointFormatException {
        BlockParameters.load(model.getBlock(), parameters);
    }

    /**
     * How many native arrays the model's manager and its sub-managers hold: parameters, gradients, optimizer state,
     * the published copy, and anything a step, an evaluation or a checkpoint left behind. After the first step it
     * stays constant; growth is a leak of native memory.
     */
    public int liveArrays() {
        return model.getNDManager().getManagedArrays().size();
    }

    /** The manager owning the network's parameters, for blocks that must live on the same device. */
    public NDManager manager() {
        return trainer.getManager();
    }

    @Override
    public void close() {
        trainer.close();
        model.close();
    }

    /** What one step did. */
    public record StepResult(float loss, double gradientNorm) {
    }
}
