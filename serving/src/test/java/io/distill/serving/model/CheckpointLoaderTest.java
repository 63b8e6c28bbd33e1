package io.distill.serving.model;

import ai.djl.Device;
import io.distill.schema.CheckpointManifest;
import io.distill.schema.LabelSpace;
import io.distill.serving.testing.InMemoryCheckpoints;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointLoaderTest {

    private final InMemoryCheckpoints store = new InMemoryCheckpoints();
    private final CheckpointLoader loader = new CheckpointLoader(
            ServingContract.parse("fashion-mnist:1", List.of(), "1,28,28"), store, new CoreNetworkRestorer(Device.cpu()));

    @Test
    void loadsARealCheckpointThatAnswersWithDistributions() throws Exception {
        CheckpointManifest manifest = store.publish("student", 1);
        LoadedModel model = loader.load(manifest);
        try {
            float[][] out = model.predict(new float[][]{new float[784], filled(784, 0.5f)});
            assertEquals(2, out.length);
            for (float[] row : out) {
                assertEquals(10, row.length);
                double sum = 0;
                for (float p : row) {
                    assertTrue(p >= 0 && p <= 1);
                    sum += p;
                }
                assertEquals(1.0, sum, 1e-4);
            }
            assertEquals(1, model.version());
        } finally {
            model.discard();
        }
        assertTrue(model.isClosed());
    }

    @Test
    void refusesAFlippedByte() {
        CheckpointManifest manifest = store.publish("student", 2);
        store.flipByte(2, 5000);
        CheckpointRefusedException e = assertThrows(CheckpointRefusedException.class, () -> loader.load(manifest));
        assertEquals(RefusalReason.CHUNK_MISMATCH, e.reason());
        assertTrue(e.getMessage().contains("chunk 1"), e.getMessage());
    }

    @Test
    void refusesATruncatedBlob() {
        CheckpointManifest manifest = store.publish("student", 3);
        store.truncate(3, 1000);
        assertEquals(RefusalReason.SIZE_MISMATCH,
                assertThrows(CheckpointRefusedException.class, () -> loader.load(manifest)).reason());
    }

    @Test
    void refusesAWrongManifestChecksum() {
        CheckpointManifest manifest = store.publish("student", 4);
        manifest.setSha256("00" + manifest.getSha256().substring(2));
        assertEquals(RefusalReason.CHECKSUM_MISMATCH,
                assertThrows(CheckpointRefusedException.class, () -> loader.load(manifest)).reason());
    }

    @Test
    void refusesAnotherLabelSpaceWithoutFetchingTheBlob() {
        LabelSpace digits = LabelSpace.newBuilder().setId("mnist").setVersion(1)
                .setClassNames(new ArrayList<>(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"))).build();
        CheckpointManifest manifest = store.publish("student", 5, digits);
        CheckpointRefusedException e = assertThrows(CheckpointRefusedException.class, () -> loader.load(manifest));
        assertEquals(RefusalReason.LABEL_SPACE_MISMATCH, e.reason());
        assertEquals(0, store.fetches(), "an incompatible checkpoint is refused before its blob is read");
    }

    @Test
    void refusesAContainerThatDisagreesWithItsManifest() {
        CheckpointManifest manifest = store.publish("student", 6);
        manifest.getArchitecture().setSpec("{\"dropout\":0.0,\"hidden\":[32]}");
        CheckpointRefusedException e = assertThrows(CheckpointRefusedException.class, () -> loader.load(manifest));
        assertEquals(RefusalReason.UNREADABLE_CHECKPOINT, e.reason());
    }

    @Test
    void refusesBytesThatAreNotAContainer() {
        CheckpointLoader garbage = new CheckpointLoader(loader.contract(), m -> new byte[64],
                new CoreNetworkRestorer(Device.cpu()));
        CheckpointManifest manifest = store.publish("student", 7);
        CheckpointRefusedException e = assertThrows(CheckpointRefusedException.class, () -> garbage.load(manifest));
        assertEquals(RefusalReason.UNREADABLE_CHECKPOINT, e.reason());
        assertFalse(e.getMessage().isBlank());
    }

    static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }
}
