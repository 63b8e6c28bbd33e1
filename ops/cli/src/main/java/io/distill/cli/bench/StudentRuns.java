package io.distill.cli.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.distill.core.architecture.ArchitectureSpec;
import io.distill.core.checkpoint.BlockParameters;
import io.distill.core.checkpoint.Checkpoint;
import io.distill.core.checkpoint.CheckpointFormatException;
import io.distill.core.checkpoint.CheckpointReader;
import io.distill.trainer.adaptive.AdaptiveWeighting;
import io.distill.trainer.augment.Augmenter;
import io.distill.trainer.data.Sample;
import io.distill.trainer.model.OptimizerSettings;
import io.distill.trainer.model.StudentNetwork;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Trains one student the way the trainer's training step does (same network, loss, optimizer and clipping) on an
 * in-memory list of samples, epoch by epoch in a seeded order, so that runs that differ only in one option see the
 * same data in the same order from the same initial weights.
 */
final class StudentRuns {

    private StudentRuns() {
    }

    /** Settings shared by the runs of one benchmark. */
    record Budget(ArchitectureSpec architecture, int epochs, int batchSize, float lr, float temperature, float alpha,
                  long seed) {
    }

    static StudentNetwork train(Budget budget, List<Sample> data, boolean quantizationAware, Augmenter augmenter) {
        StudentNetwork net = new StudentNetwork(budget.architecture(), TeacherLabelledFashion.SHAPE,
                TeacherLabelledFashion.labelSpace(), TeacherLabelledFashion.CLASSES,
                new OptimizerSettings("adam", budget.lr(), "constant", 0f, 0.9f, 5.0), Device.cpu(), budget.seed());
        net.quantizationAware(quantizationAware);
        List<Sample> order = new ArrayList<>(data);
        for (int epoch = 0; epoch < budget.epochs(); epoch++) {
            Collections.shuffle(order, new Random(budget.seed() * 31 + epoch));
            for (int from = 0; from + budget.batchSize() <= order.size(); from += budget.batchSize()) {
                List<Sample> batch = order.subList(from, from + budget.batchSize());
                if (augmenter != null) {
                    batch = augmenter.augment(batch, net.optimizerSteps());
                }
                net.train(batch, budget.alpha(), budget.temperature(), AdaptiveWeighting.NONE);
            }
        }
        return net;
    }

    /** Log-probabilities of the network a checkpoint blob restores to (int8 weights dequantized), as serving loads it. */
    static double[][] logProbsOf(byte[] blob, List<Sample> samples) throws CheckpointFormatException {
        Checkpoint checkpoint = CheckpointReader.read(blob);
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            Block block = BlockParameters.buildAndLoad(checkpoint, manager);
            return StudentNetwork.logProbs(block, manager, checkpoint.inputShape(), checkpoint.numClasses(), samples);
        }
    }
}
