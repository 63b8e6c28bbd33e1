package io.distill.serving.model;

import io.distill.schema.CheckpointManifest;
import io.distill.serving.testing.Manifests;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ServingContractTest {

    private final ServingContract contract = ServingContract.parse("fashion-mnist:1", List.of(), "1,28,28");

    @Test
    void acceptsTheSameLabelSpaceAndInputSize() {
        assertDoesNotThrow(() -> contract.check(Manifests.manifest("m", 1, "fashion-mnist", 1, List.of(784))));
        assertDoesNotThrow(() -> contract.check(Manifests.manifest("m", 1, "fashion-mnist", 1, List.of(1, 28, 28))));
    }

    @Test
    void refusesAnotherLabelSpaceOrVersion() {
        CheckpointRefusedException other = assertThrows(CheckpointRefusedException.class,
                () -> contract.check(Manifests.manifest("m", 1, "mnist", 1, List.of(784))));
        assertEquals(RefusalReason.LABEL_SPACE_MISMATCH, other.reason());
        CheckpointRefusedException newer = assertThrows(CheckpointRefusedException.class,
                () -> contract.check(Manifests.manifest("m", 1, "fashion-mnist", 2, List.of(784))));
        assertEquals(RefusalReason.LABEL_SPACE_MISMATCH, newer.reason());
    }

    @Test
    void refusesOtherClassNamesWhenBothNameThem() {
        ServingContract named = new ServingContract("s", 1, List.of("a", "b"), new int[]{4});
        CheckpointManifest manifest = Manifests.manifest("m", 1, "s", 1, List.of(4));
        manifest.getLabelSpace().setClassNames(List.of("b", "a"));
        assertEquals(RefusalReason.LABEL_SPACE_MISMATCH,
                assertThrows(CheckpointRefusedException.class, () -> named.check(manifest)).reason());
    }

    @Test
    void refusesAnotherInputSize() {
        CheckpointRefusedException e = assertThrows(CheckpointRefusedException.class,
                () -> contract.check(Manifests.manifest("m", 1, "fashion-mnist", 1, List.of(3, 32, 32))));
        assertEquals(RefusalReason.INPUT_SHAPE_MISMATCH, e.reason());
    }

    @Test
    void parsesItsConfiguration() {
        assertEquals(784, contract.inputSize());
        assertThrows(IllegalArgumentException.class, () -> ServingContract.parse("fashion-mnist", List.of(), "784"));
        assertThrows(IllegalArgumentException.class, () -> ServingContract.parse("a:1", List.of(), "0,3"));
    }
}
