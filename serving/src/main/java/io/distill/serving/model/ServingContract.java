package io.distill.serving.model;

import io.distill.schema.CheckpointManifest;
import io.distill.schema.LabelSpace;

import java.util.Arrays;
import java.util.List;

/**
 * What a server promises its clients: the label space its answers are in and the input its clients send. A checkpoint
 * is compatible when its label space has the same id and version (and, when both name their classes, the same names)
 * and its input shape holds the same number of values: clients send flat rows, so {@code [784]} and {@code [1,28,28]}
 * take the same requests, while the network's own layout is the checkpoint's business.
 */
public record ServingContract(String labelSpaceId, int labelSpaceVersion, List<String> classNames, int[] inputShape) {

    public ServingContract {
        classNames = List.copyOf(classNames);
        inputShape = inputShape.clone();
    }

    public int inputSize() {
        return Arrays.stream(inputShape).reduce(1, (a, b) -> a * b);
    }

    /** Number of classes when the contract names them, else -1 (taken from the checkpoint). */
    public int numClasses() {
        return classNames.isEmpty() ? -1 : classNames.size();
    }

    public LabelSpace labelSpace() {
        return LabelSpace.newBuilder().setId(labelSpaceId).setVersion(labelSpaceVersion).setClassNames(classNames)
                .build();
    }

    /** Refuses a manifest whose label space or input shape does not fit this contract. */
    public void check(CheckpointManifest manifest) throws CheckpointRefusedException {
        LabelSpace offered = manifest.getLabelSpace();
        if (!labelSpaceId.equals(offered.getId()) || labelSpaceVersion != offered.getVersion()) {
            throw new CheckpointRefusedException(RefusalReason.LABEL_SPACE_MISMATCH,
                    "label space " + offered.getId() + " v" + offered.getVersion() + " is not the served "
                            + labelSpaceId + " v" + labelSpaceVersion);
        }
        if (!classNames.isEmpty() && !offered.getClassNames().isEmpty()
                && !classNames.equals(List.copyOf(offered.getClassNames()))) {
            throw new CheckpointRefusedException(RefusalReason.LABEL_SPACE_MISMATCH,
                    "classes " + offered.getClassNames() + " are not the served " + classNames);
        }
        int offeredSize = manifest.getInputShape().stream().mapToInt(Integer::intValue).reduce(1, (a, b) -> a * b);
        if (offeredSize != inputSize() || manifest.getInputShape().stream().anyMatch(d -> d <= 0)) {
            throw new CheckpointRefusedException(RefusalReason.INPUT_SHAPE_MISMATCH,
                    "input shape " + manifest.getInputShape() + " (" + offeredSize + " values) does not take the served "
                            + Arrays.toString(inputShape) + " (" + inputSize() + " values)");
        }
    }

    /**
     * Parses {@code id:version} (e.g. {@code fashion-mnist:1}) and a comma-separated shape (e.g. {@code 1,28,28}).
     */
    public static ServingContract parse(String labelSpace, List<String> classNames, String inputShape) {
        String[] parts = labelSpace.split(":");
        if (parts.length != 2) {
            throw new IllegalArgumentException("label space must be id:version, got '" + labelSpace + "'");
        }
        int[] shape = Arrays.stream(inputShape.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        if (shape.length == 0 || Arrays.stream(shape).anyMatch(d -> d <= 0)) {
            throw new IllegalArgumentException("input shape must be positive dimensions, got '" + inputShape + "'");
        }
        return new ServingContract(parts[0], Integer.parseInt(parts[1]), classNames, shape);
    }

    @Override
    public String toString() {
        return labelSpaceId + ":" + labelSpaceVersion + " " + Arrays.toString(inputShape);
    }
}
