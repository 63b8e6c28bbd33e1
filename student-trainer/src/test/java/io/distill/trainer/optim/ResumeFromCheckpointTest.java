package io.distill.trainer.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import io.distill.core.architecture.ArchitectureFactory;
import io.distill.core.architecture.ArchitectureSpec;
import io.distill.core.checkpoint.BlockParameters;
import io.distill.core.checkpoint.Checkpoint;
import io.distill.core.checkpoint.CheckpointReader;
import io.distill.core.checkpoint.CheckpointWriter;
import io.distill.core.checkpoint.NamedTensor;
import io.distill.trainer.loss.DistillationLoss;
import io.distill.schema.LabelSpace;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Training that is stopped, written to a checkpoint container, read back into a freshly built
 * network with a fresh optimizer and continued ends with bit-identical parameters to training
 * that never stopped — through DJL's Model/Trainer/GradientCollector, the distillation loss,
 * global-norm clipping and a learning-rate schedule.
 */
class ResumeFromCheckpointTest {

    private static final int[] INPUT = {6};
    private static final int CLASSES = 4;
    private static final int BATCH = 8;
    private static final ArchitectureSpec SPEC = ArchitectureSpec.mlp(List.of(16), 0.0);
    private static final int STEPS = 6;
    private static final int STOP_AFTER = 3;

    /** One deterministic batch per step index. */
    private static void trainStep(Trainer trainer, Block block, int step) {
        try (NDManager batch = trainer.getManager().newSubManager()) {
            NDArray x = batch.arange((float) (BATCH * INPUT[0])).reshape(BATCH, INPUT[0]).add(step).sin();
            NDArray teacher = x.get(":, 0:4").mul(3f).logSoftmax(1);
            NDArray hard = batch.create(new int[] {step % 4, -1, 1, 2, 3, 0, -1, 2});
            NDArray weight = batch.linspace(0.5f, 1.5f, BATCH);
            NDList labels = DistillationLoss.labels(teacher, hard, weight, null);
            try (GradientCollector gc = trainer.newGradientCollector()) {
                NDArray logits = trainer.forward(new NDList(x)).singletonOrThrow();
                gc.backward(trainer.getLoss().evaluate(labels, new NDList(logits)));
            }
            GradientClipping.clipByGlobalNorm(block, 0.5);
            trainer.step();
        }
    }

    private static Trainer trainer(Model model, StatefulOptimizer optimizer) {
        DefaultTrainingConfig config = new DefaultTrainingConfig(new DistillationLoss(0.7f, 3f)).optOptimizer(optimizer);
        Trainer trainer = model.newTrainer(config);
        trainer.initialize(ArchitectureFactory.batchShape(BATCH, INPUT)); // keeps already set parameters
        return trainer;
    }

    private static void resumesExactly(Supplier<StatefulOptimizer> optimizers) throws Exception {
        List<NamedTensor> initial;
        List<NamedTensor> straight;
        byte[] blob = null;
        try (Model model = Model.newInstance("straight")) {
            Block block = ArchitectureFactory.buildInitialized(SPEC, INPUT, CLASSES, model.getNDManager());
            model.setBlock(block);
            initial = BlockParameters.export(block);
            StatefulOptimizer optimizer = optimizers.get();
            try (Trainer trainer = trainer(model, optimizer)) {
                for (int step = 0; step < STEPS; step++) {
                    trainStep(trainer, block, step);
                    if (step + 1 == STOP_AFTER) {
                        blob = CheckpointWriter.write(Checkpoint.builder()
                                .architecture(SPEC)
                                .inputShape(INPUT)
                                .labelSpace(LabelSpace.newBuilder().setId("toy").setVersion(1).build())
                                .numClasses(CLASSES)
                                .parameters(BlockParameters.export(block))
                                .optimizerState(optimizer.exportState(block))
                                .metadata("step", Integer.toString(STOP_AFTER))
                                .build());
                    }
                }
            }
            straight = BlockParameters.export(block);
        }
        assertFalse(initial.equals(straight), "training moved the parameters");

        List<NamedTensor> resumed;
        try (Model model = Model.newInstance("resumed")) {
            Checkpoint checkpoint = CheckpointReader.read(blob);
            assertTrue(checkpoint.optimizerState().isPresent());
            assertEquals(STOP_AFTER, checkpoint.optimizerState().get().step());
            Block block = BlockParameters.buildAndLoad(checkpoint, model.getNDManager());
            model.setBlock(block);
            StatefulOptimizer optimizer = optimizers.get();
            try (Trainer trainer = trainer(model, optimizer)) {
                optimizer.importState(checkpoint.optimizerState().get(), block);
                for (int step = STOP_AFTER; step < STEPS; step++) {
                    trainStep(trainer, block, step);
                }
            }
            resumed = BlockParameters.export(block);
            assertEquals(STEPS, optimizer.stepCount());
        }
        assertEquals(straight.size(), resumed.size());
        for (int i = 0; i < straight.size(); i++) {
            assertEquals(straight.get(i).name(), resumed.get(i).name());
            assertArrayEquals(straight.get(i).data(), resumed.get(i).data(), straight.get(i).name()); // bit-identical
        }
    }

    @Test
    void adamWResumesBitIdentically() throws Exception {
        resumesExactly(() -> Adam.adamW(0.01f)
                .optLearningRate(LearningRateSchedule.warmupCosine(0.05f, 2, STEPS, 0.001f))
                .build());
    }

    @Test
    void sgdMomentumResumesBitIdentically() throws Exception {
        resumesExactly(() -> SgdMomentum.builder()
                .optLearningRate(LearningRateSchedule.step(0.1f, 2, 0.5f))
                .optNesterov(true)
                .build());
    }
}
