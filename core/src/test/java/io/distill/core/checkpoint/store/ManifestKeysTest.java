package io.distill.core.checkpoint.store;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ManifestKeysTest {

    @Test
    void keysJoinModelVersionAndChunk() {
        assertEquals("fmnist-mlp:7", ManifestKeys.manifestKey("fmnist-mlp", 7));
        assertEquals("fmnist-mlp:7:3", ManifestKeys.chunkKey("fmnist-mlp", 7, 3));
    }

    @Test
    void manifestKeyParsesBack() {
        ManifestKeys.VersionKey key = ManifestKeys.parseManifestKey("student.v2:12");
        assertEquals("student.v2", key.model());
        assertEquals(12, key.version());
    }

    @Test
    void isManifestOfDistinguishesModelsAndChunkKeys() {
        assertTrue(ManifestKeys.isManifestOf("a:1", "a"));
        assertFalse(ManifestKeys.isManifestOf("ab:1", "a"));
        assertFalse(ManifestKeys.isManifestOf("a:1:0", "a"));
        assertFalse(ManifestKeys.isManifestOf(null, "a"));
    }

    @Test
    void rejectsBadNamesAndVersions() {
        assertThrows(IllegalArgumentException.class, () -> ManifestKeys.manifestKey("a:b", 1));
        assertThrows(IllegalArgumentException.class, () -> ManifestKeys.manifestKey("", 1));
        assertThrows(IllegalArgumentException.class, () -> ManifestKeys.manifestKey("a", 0));
        assertThrows(IllegalArgumentException.class, () -> ManifestKeys.chunkKey("a", 1, -1));
        assertThrows(IllegalArgumentException.class, () -> ManifestKeys.parseManifestKey("a:x"));
        assertThrows(IllegalArgumentException.class, () -> ManifestKeys.parseManifestKey("a:1:2"));
    }
}
