package io.distill.trainer.model;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.distill.core.architecture.ArchitectureFactory;
import io.distill.core.architecture.ArchitectureSpec;
import io.distill.core.checkpoint.BlockParameters;
import io.distill.core.checkpoint.CheckpointFormatException;
import io.distill.core.checkpoint.NamedTensor;
import io.distill.trainer.data.Sample;

import java.util.List;

/**
 * A frozen copy of the last published version, built by the same factory, kept so that the gate scores candidate
 * and published version on the same hold-out snapshot.
 */
public final class PublishedNetwork implements AutoCloseable {

    private final NDManager manager;
    private final Block block;
    private final int[] inputShape;
    private final int numClasses;
    private final long version;

    public PublishedNetwork(NDManager parent, ArchitectureSpec spec, int[] inputShape, int numClasses,
                            List<NamedTensor> parameters, long version) throws CheckpointFormatException {
        this.manager = parent.newSubManager();
        this.block = ArchitectureFactory.buildInitialized(spec, inputShape, numClasses, manager);
        BlockParameters.load(block, parameters);
        this.inputShape = inputShape.clone();
        this.numClasses = numClasses;
        this.version = version;
    }

    public long version() {
        return version;
    }

    public double[][] logProbs(List<Sample> samples) {
        return StudentNetwork.logProbs(block, manager, inputShape, numClasses, samples);
    }

    @Override
    public void close() {
        manager.close();
    }
}
