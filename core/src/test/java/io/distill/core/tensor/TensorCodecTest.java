package io.distill.core.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.distill.schema.ByteOrder;
import io.distill.schema.DType;
import io.distill.schema.Tensor;
import io.distill.schema.TensorLayout;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class TensorCodecTest {

    private static Tensor raw(DType dtype, ByteOrder order, byte[] data, Integer... shape) {
        return Tensor.newBuilder()
                .setDtype(dtype)
                .setShape(List.of(shape))
                .setLayout(TensorLayout.ROW_MAJOR)
                .setByteOrder(order)
                .setData(ByteBuffer.wrap(data))
                .build();
    }

    private static String reason(Runnable r) {
        return assertThrows(TensorValidationException.class, r::run).reasonCode();
    }

    @Test
    void encodesFloat32LittleEndian() {
        Tensor t = TensorCodec.encode(new float[] {1.0f, -2.0f}, 2);
        assertEquals(DType.FLOAT32, t.getDtype());
        assertEquals(ByteOrder.LITTLE_ENDIAN, t.getByteOrder());
        assertEquals(List.of(2), t.getShape());
        // 1.0f = 0x3F800000, -2.0f = 0xC0000000, least significant byte first
        byte[] expected = {0, 0, (byte) 0x80, 0x3F, 0, 0, 0, (byte) 0xC0};
        byte[] actual = new byte[8];
        t.getData().duplicate().get(actual);
        assertArrayEquals(expected, actual);
    }

    @Test
    void roundTripKeepsValuesAndDataPosition() {
        float[] values = {0.5f, 1.5f, -3f, 4f, 1e-30f, 7f};
        Tensor t = TensorCodec.encode(values, 2, 3);
        assertArrayEquals(values, TensorCodec.decode(t));
        assertArrayEquals(values, TensorCodec.decode(t, new int[] {2, 3})); // decodable twice
        assertEquals(6, TensorCodec.validate(t));
    }

    @Test
    void readsOtherTypesAndByteOrders() {
        ByteBuffer f64 = ByteBuffer.allocate(16).order(java.nio.ByteOrder.BIG_ENDIAN);
        f64.putDouble(1.5).putDouble(-2.25);
        assertArrayEquals(new float[] {1.5f, -2.25f},
                TensorCodec.decode(raw(DType.FLOAT64, ByteOrder.BIG_ENDIAN, f64.array(), 2)));

        ByteBuffer i32 = ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        i32.putInt(7).putInt(-3);
        assertArrayEquals(new float[] {7f, -3f},
                TensorCodec.decode(raw(DType.INT32, ByteOrder.LITTLE_ENDIAN, i32.array(), 1, 2)));

        ByteBuffer f32be = ByteBuffer.allocate(8).order(java.nio.ByteOrder.BIG_ENDIAN);
        f32be.putFloat(0.25f).putFloat(8f);
        assertArrayEquals(new float[] {0.25f, 8f},
                TensorCodec.decode(raw(DType.FLOAT32, ByteOrder.BIG_ENDIAN, f32be.array(), 2)));

        byte[] u8 = {0, (byte) 255, (byte) 128};
        assertArrayEquals(new float[] {0f, 255f, 128f}, TensorCodec.decode(raw(DType.UINT8, ByteOrder.LITTLE_ENDIAN, u8, 3)));
        assertArrayEquals(new float[] {0f, -1f, -128f}, TensorCodec.decode(raw(DType.INT8, ByteOrder.LITTLE_ENDIAN, u8, 3)));
    }

    @Test
    void refusesBadShapes() {
        Tensor t = TensorCodec.encode(new float[] {1, 2, 3, 4}, 4);
        Tensor wrongLength = Tensor.newBuilder(t).setShape(List.of(2, 3)).build();
        assertEquals(TensorValidationException.INVALID_TENSOR_SHAPE, reason(() -> TensorCodec.decode(wrongLength)));
        Tensor zeroDim = Tensor.newBuilder(t).setShape(List.of(0, 4)).build();
        assertEquals(TensorValidationException.INVALID_TENSOR_SHAPE, reason(() -> TensorCodec.decode(zeroDim)));
        assertEquals(TensorValidationException.INVALID_TENSOR_SHAPE, reason(() -> TensorCodec.decode(t, new int[] {2, 2})));
        assertEquals(TensorValidationException.INVALID_TENSOR_SHAPE, reason(() -> TensorCodec.encode(new float[3], 2, 2)));
        // 3 bytes cannot hold an INT32
        assertEquals(TensorValidationException.INVALID_TENSOR_SHAPE,
                reason(() -> TensorCodec.decode(raw(DType.INT32, ByteOrder.LITTLE_ENDIAN, new byte[3], 1))));
    }

    @Test
    void refusesUnsupportedDtype() {
        assertEquals(TensorValidationException.INVALID_TENSOR_DTYPE,
                reason(() -> TensorCodec.decode(raw(DType.FLOAT16, ByteOrder.LITTLE_ENDIAN, new byte[2], 1))));
    }

    @Test
    void refusesNonFiniteValues() {
        assertEquals(TensorValidationException.NON_FINITE_VALUE,
                reason(() -> TensorCodec.decode(TensorCodec.encode(new float[] {1f, Float.NaN}, 2))));
        ByteBuffer big = ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putDouble(1e300);
        // 1e300 overflows float32 to +Infinity
        assertEquals(TensorValidationException.NON_FINITE_VALUE,
                reason(() -> TensorCodec.decode(raw(DType.FLOAT64, ByteOrder.LITTLE_ENDIAN, big.array(), 1))));
    }

    @Test
    void decodesABatchIntoOneDirectBuffer() {
        int[] shape = {2};
        ByteBuffer u8 = ByteBuffer.wrap(new byte[] {3, 4});
        List<Tensor> batch = List.of(
                TensorCodec.encode(new float[] {1, 2}, 2),
                Tensor.newBuilder().setDtype(DType.UINT8).setShape(List.of(2)).setData(u8).build(),
                TensorCodec.encode(new float[] {5, 6}, 2));
        FloatBuffer buf = TensorCodec.decodeBatch(batch, shape);
        assertTrue(buf.isDirect());
        assertEquals(6, buf.remaining());
        float[] all = new float[6];
        buf.get(all);
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, all);

        List<Tensor> bad = List.of(batch.get(0), TensorCodec.encode(new float[] {1, 2, 3}, 3));
        TensorValidationException e = assertThrows(TensorValidationException.class, () -> TensorCodec.decodeBatch(bad, shape));
        assertEquals(TensorValidationException.INVALID_TENSOR_SHAPE, e.reasonCode());
        assertTrue(e.getMessage().startsWith("tensor 1 of the batch"), e.getMessage());
    }

    @Test
    void convertsToAndFromNDArrays() {
        try (NDManager manager = NDManager.newBaseManager()) {
            List<Tensor> batch = List.of(
                    TensorCodec.encode(new float[] {1, 2, 3, 4}, 2, 2),
                    TensorCodec.encode(new float[] {5, 6, 7, 8}, 2, 2));
            NDArray x = TensorCodec.toBatchNDArray(manager, batch, new int[] {2, 2});
            assertEquals(new Shape(2, 2, 2), x.getShape());
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, x.toFloatArray());

            NDArray one = TensorCodec.toNDArray(manager, batch.get(1));
            assertEquals(new Shape(2, 2), one.getShape());
            Tensor back = TensorCodec.encode(one);
            assertEquals(List.of(2, 2), back.getShape());
            assertArrayEquals(new float[] {5, 6, 7, 8}, TensorCodec.decode(back));

            Tensor fromInts = TensorCodec.encode(manager.create(new int[] {9, -1}));
            assertArrayEquals(new float[] {9, -1}, TensorCodec.decode(fromInts));
        }
    }

    @Test
    void sampleKeyIsSha256OfDtypeShapeAndLittleEndianData() throws Exception {
        Tensor t = TensorCodec.encode(new float[] {1f, -2f}, 1, 2);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update("FLOAT32".getBytes(StandardCharsets.US_ASCII));
        sha.update(new byte[] {0, /* rank */ 0, 0, 0, 2, /* dims */ 0, 0, 0, 1, 0, 0, 0, 2});
        sha.update(new byte[] {0, 0, (byte) 0x80, 0x3F, 0, 0, 0, (byte) 0xC0});
        String expected = HexFormat.of().formatHex(sha.digest());
        assertEquals(expected, TensorCodec.sampleKey(t));
        assertEquals(64, expected.length());

        ByteBuffer be = ByteBuffer.allocate(8).order(java.nio.ByteOrder.BIG_ENDIAN).putFloat(1f).putFloat(-2f);
        Tensor sameValuesBigEndian = raw(DType.FLOAT32, ByteOrder.BIG_ENDIAN, be.array(), 1, 2);
        assertEquals(expected, TensorCodec.sampleKey(sameValuesBigEndian));

        assertNotEquals(expected, TensorCodec.sampleKey(TensorCodec.encode(new float[] {1f, -2f}, 2)));
        assertNotEquals(expected, TensorCodec.sampleKey(TensorCodec.encode(new float[] {1f, -2.0001f}, 1, 2)));
        assertEquals(expected, TensorCodec.sampleKey(t)); // stable, and the data buffer is untouched
    }
}
