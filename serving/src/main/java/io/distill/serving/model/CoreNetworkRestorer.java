package io.distill.serving.model;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.nn.Block;
import io.distill.core.architecture.ArchitectureSpec;
import io.distill.core.checkpoint.BlockParameters;
import io.distill.core.checkpoint.Checkpoint;
import io.distill.core.checkpoint.CheckpointFormatException;
import io.distill.core.checkpoint.CheckpointReader;
import io.distill.schema.CheckpointManifest;
import io.distill.schema.LabelSpace;

import java.util.Arrays;

/**
 * Restores a network with core's checkpoint container reader and architecture factory, the same code the trainer
 * wrote it with. The container must agree with its manifest (architecture, input shape, label space): a container
 * that says something else than the manifest the fleet selected is refused rather than served under a wrong name.
 * Float32 and int8 containers both load; int8 weights are dequantized into the float32 network (DJL's PyTorch engine
 * here has no int8 kernels, so int8 saves storage and transfer, not compute).
 */
public final class CoreNetworkRestorer implements NetworkRestorer {

    private final Device device;

    public CoreNetworkRestorer(Device device) {
        this.device = device;
    }

    @Override
    public Model restore(CheckpointManifest manifest, byte[] blob) throws CheckpointRefusedException {
        String name = manifest.getModelName() + "-v" + manifest.getVersion();
        Checkpoint checkpoint;
        try {
            checkpoint = CheckpointReader.read(blob);
        } catch (CheckpointFormatException | RuntimeException e) {
            throw new CheckpointRefusedException(RefusalReason.UNREADABLE_CHECKPOINT,
                    name + " is not a readable checkpoint container: " + e.getMessage(), e);
        }
        checkAgreement(manifest, checkpoint, name);
        Model model = Model.newInstance(name, device);
        try {
            Block block = BlockParameters.buildAndLoad(checkpoint, model.getNDManager());
            model.setBlock(block);
            return model;
        } catch (CheckpointFormatException e) {
            model.close();
            throw new CheckpointRefusedException(RefusalReason.UNREADABLE_CHECKPOINT,
                    name + " parameters do not fit its network: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            model.close();
            throw new CheckpointRefusedException(RefusalReason.UNKNOWN_ARCHITECTURE,
                    name + " architecture cannot be built: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            model.close();
            throw new CheckpointRefusedException(RefusalReason.UNREADABLE_CHECKPOINT,
                    name + " could not be restored: " + e, e);
        }
    }

    private static void checkAgreement(CheckpointManifest manifest, Checkpoint checkpoint, String name)
            throws CheckpointRefusedException {
        ArchitectureSpec declared;
        try {
            declared = ArchitectureSpec.fromAvro(manifest.getArchitecture());
        } catch (RuntimeException e) {
            throw new CheckpointRefusedException(RefusalReason.UNKNOWN_ARCHITECTURE,
                    name + " declares an unreadable architecture: " + e.getMessage(), e);
        }
        if (manifest.getFormat().getPrecision() != checkpoint.precision()) {
            throw new CheckpointRefusedException(RefusalReason.UNREADABLE_CHECKPOINT,
                    name + " container stores " + checkpoint.precision() + " parameters but the manifest declares "
                            + manifest.getFormat().getPrecision());
        }
        if (!declared.equals(checkpoint.architecture())) {
            throw new CheckpointRefusedException(RefusalReason.UNREADABLE_CHECKPOINT,
                    name + " container holds " + checkpoint.architecture() + " but the manifest declares " + declared);
        }
        int[] declaredShape = manifest.getInputShape().stream().mapToInt(Integer::intValue).toArray();
        if (!Arrays.equals(declaredShape, checkpoint.inputShape())) {
            throw new CheckpointRefusedException(RefusalReason.INPUT_SHAPE_MISMATCH,
                    name + " container input " + Arrays.toString(checkpoint.inputShape()) + " but the manifest declares "
                            + Arrays.toString(declaredShape));
        }
        LabelSpace a = manifest.getLabelSpace();
        LabelSpace b = checkpoint.labelSpace();
        if (!a.getId().equals(b.getId()) || a.getVersion() != b.getVersion()) {
            throw new CheckpointRefusedException(RefusalReason.LABEL_SPACE_MISMATCH,
                    name + " container label space " + b.getId() + " v" + b.getVersion() + " but the manifest declares "
                            + a.getId() + " v" + a.getVersion());
        }
    }
}
