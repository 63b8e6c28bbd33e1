package io.distill.core.dataset;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdxFileTest {

    @Test
    void readsUnsignedByteTensor() throws IOException {
        byte[] bytes = {0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, (byte) 255, 0, 51, (byte) 204};
        IdxFile idx = IdxFile.read(new ByteArrayInputStream(bytes), "t");
        assertArrayEquals(new int[]{2, 1, 2}, idx.shape());
        assertEquals(2, idx.itemSize());
        assertEquals(255, idx.get(0, 0));
        assertEquals(204, idx.get(1, 1));
        assertArrayEquals(new float[]{0.2f, 0.8f}, idx.itemAsUnitFloats(1), 1e-6f);
    }

    @Test
    void refusesOtherElementTypesAndTruncation() {
        byte[] floats = {0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0};
        IOException type = assertThrows(IOException.class, () -> IdxFile.read(new ByteArrayInputStream(floats), "f"));
        assertTrue(type.getMessage().contains("not supported"), type.getMessage());
        byte[] truncated = {0, 0, 0x08, 1, 0, 0, 0, 5, 1, 2};
        assertThrows(IOException.class, () -> IdxFile.read(new ByteArrayInputStream(truncated), "t"));
    }
}
