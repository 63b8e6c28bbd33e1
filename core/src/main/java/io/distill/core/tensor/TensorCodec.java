package io.distill.core.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.distill.schema.DType;
import io.distill.schema.Tensor;
import io.distill.schema.TensorLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Converts between {@link Tensor} records (raw bytes + dtype + shape) and float32 values.
 *
 * <p>Writing always produces FLOAT32, little-endian, row-major data. Reading accepts FLOAT32,
 * FLOAT64, INT32, INT64, UINT8 and INT8 in either byte order and converts every element to float32;
 * FLOAT16 is refused with {@link TensorValidationException#INVALID_TENSOR_DTYPE}. Every read checks
 * that each dimension is positive, that the product of the shape times the element size equals the
 * data length, optionally that the shape equals an expected input shape, and that every converted
 * value is finite.
 *
 * <p>The batch methods decode many tensors straight into one direct, native-order {@link
 * FloatBuffer}, which DJL hands to the engine without another copy; no value is boxed.
 *
 * <p>The class never changes the position of a record's data buffer (it reads a duplicate), so a
 * record can be decoded more than once.
 */
public final class TensorCodec {

    private TensorCodec() {}

    // ------------------------------------------------------------------ encoding

    /**
     * Encodes float32 values as a FLOAT32 little-endian row-major tensor.
     *
     * @param data the values, row-major
     * @param shape the dimensions (without a batch dimension); their product must equal {@code
     *     data.length}
     * @return the tensor record
     */
    public static Tensor encode(float[] data, int... shape) {
        long count = elementCount(shape);
        if (count != data.length) {
            throw new TensorValidationException(
                    TensorValidationException.INVALID_TENSOR_SHAPE,
                    "shape " + Arrays.toString(shape) + " holds " + count + " elements but "
                            + data.length + " values were given");
        }
        ByteBuffer bytes = ByteBuffer.allocate(data.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(data);
        List<Integer> dims = new ArrayList<>(shape.length);
        for (int d : shape) {
            dims.add(d);
        }
        return Tensor.newBuilder()
                .setDtype(DType.FLOAT32)
                .setShape(dims)
                .setLayout(TensorLayout.ROW_MAJOR)
                .setByteOrder(io.distill.schema.ByteOrder.LITTLE_ENDIAN)
                .setData(bytes)
                .build();
    }

    /**
     * Encodes an NDArray as a FLOAT32 little-endian tensor with the array's full shape (strip a
     * batch dimension before calling, if there is one).
     *
     * @param array any numeric array; other types than float32 are converted
     * @return the tensor record
     */
    public static Tensor encode(NDArray array) {
        Shape shape = array.getShape();
        int[] dims = new int[shape.dimension()];
        for (int i = 0; i < dims.length; i++) {
            long d = shape.get(i);
            if (d <= 0 || d > Integer.MAX_VALUE) {
                throw new TensorValidationException(
                        TensorValidationException.INVALID_TENSOR_SHAPE, "cannot encode shape " + shape);
            }
            dims[i] = (int) d;
        }
        float[] values;
        if (array.getDataType() == DataType.FLOAT32) {
            values = array.toFloatArray();
        } else {
            try (NDArray converted = array.toType(DataType.FLOAT32, true)) {
                values = converted.toFloatArray();
            }
        }
        return encode(values, dims);
    }

    // ------------------------------------------------------------------ validation

    /**
     * @param dtype an element type
     * @return its size in bytes
     */
    public static int elementSize(DType dtype) {
        switch (dtype) {
            case FLOAT64:
            case INT64:
                return 8;
            case FLOAT32:
            case INT32:
                return 4;
            case FLOAT16:
                return 2;
            case UINT8:
            case INT8:
                return 1;
            default:
                throw new TensorValidationException(
                        TensorValidationException.INVALID_TENSOR_DTYPE, "unknown dtype " + dtype);
        }
    }

    /**
     * Number of elements of a shape; every dimension must be at least 1 (a scalar has shape {@code
     * []} and one element).
     *
     * @param shape the dimensions
     * @return their product
     * @throws TensorValidationException INVALID_TENSOR_SHAPE for a dimension below 1 or a product
     *     that does not fit an int
     */
    public static long elementCount(int[] shape) {
        if (shape == null) {
            throw new TensorValidationException(TensorValidationException.INVALID_TENSOR_SHAPE, "shape is missing");
        }
        long count = 1;
        for (int d : shape) {
            if (d < 1) {
                throw new TensorValidationException(
                        TensorValidationException.INVALID_TENSOR_SHAPE,
                        "dimension " + d + " in shape " + Arrays.toString(shape) + " is below 1");
            }
            count *= d;
            if (count > Integer.MAX_VALUE) {
                throw new TensorValidationException(
                        TensorValidationException.INVALID_TENSOR_SHAPE,
                        "shape " + Arrays.toString(shape) + " is too large");
            }
        }
        return count;
    }

    /**
     * @param tensor a tensor record
     * @return its shape as an int array
     */
    public static int[] shape(Tensor tensor) {
        List<Integer> dims = tensor.getShape();
        if (dims == null) {
            throw new TensorValidationException(TensorValidationException.INVALID_TENSOR_SHAPE, "shape is missing");
        }
        int[] shape = new int[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            Integer d = dims.get(i);
            if (d == null) {
                throw new TensorValidationException(TensorValidationException.INVALID_TENSOR_SHAPE, "null dimension");
            }
            shape[i] = d;
        }
        return shape;
    }

    /**
     * Checks the element type, layout, byte order, shape and data length, without scanning the
     * values.
     *
     * @param tensor the record
     * @return the number of elements
     */
    public static int validate(Tensor tensor) {
        return validate(tensor, null);
    }

    /**
     * Like {@link #validate(Tensor)}, and also checks that the shape equals {@code expectedShape}.
     *
     * @param tensor the record
     * @param expectedShape the required shape, or null to accept any
     * @return the number of elements
     */
    public static int validate(Tensor tensor, int[] expectedShape) {
        if (tensor == null) {
            throw new TensorValidationException(TensorValidationException.INVALID_TENSOR_SHAPE, "tensor is missing");
        }
        DType dtype = tensor.getDtype();
        if (dtype == null) {
            throw new TensorValidationException(TensorValidationException.INVALID_TENSOR_DTYPE, "dtype is missing");
        }
        if (dtype == DType.FLOAT16) {
            throw new TensorValidationException(
                    TensorValidationException.INVALID_TENSOR_DTYPE, "dtype FLOAT16 is not supported");
        }
        if (tensor.getLayout() != null && tensor.getLayout() != TensorLayout.ROW_MAJOR) {
            throw new TensorValidationException(
                    TensorValidationException.INVALID_TENSOR_DTYPE, "layout " + tensor.getLayout() + " is not supported");
        }
        int[] shape = shape(tensor);
        long count = elementCount(shape);
        if (expectedShape != null && !Arrays.equals(shape, expectedShape)) {
            throw new TensorValidationException(
                    TensorValidationException.INVALID_TENSOR_SHAPE,
                    "shape " + Arrays.toString(shape) + " differs from the expected input shape "
                            + Arrays.toString(expectedShape));
        }
        ByteBuffer data = tensor.getData();
        long expectedBytes = count * elementSize(dtype);
        int actualBytes = data == null ? 0 : data.remaining();
        if (data == null || actualBytes != expectedBytes) {
            throw new TensorValidationException(
                    TensorValidationException.INVALID_TENSOR_SHAPE,
                    "shape " + Arrays.toString(shape) + " of " + dtype + " needs " + expectedBytes
                            + " bytes but the data has " + actualBytes);
        }
        return (int) count;
    }

    // ------------------------------------------------------------------ decoding

    /**
     * Validates a tensor and converts it to float32 values.
     *
     * @param tensor the record
     * @return the values, row-major
     * @throws TensorValidationException when the tensor is malformed or holds a non-finite value
     */
    public static float[] decode(Tensor tensor) {
        return decode(tensor, null);
    }

    /**
     * Validates a tensor against an expected shape and converts it to float32 values.
     *
     * @param tensor the record
     * @param expectedShape the required shape, or null to accept any
     * @return the values, row-major
     */
    public static float[] decode(Tensor tensor, int[] expectedShape) {
        int count = validate(tensor, expectedShape);
        float[] out = new float[count];
        FloatBuffer dst = FloatBuffer.wrap(out);
        convert(tensor, count, dst);
        checkFinite(out, 0, count);
        return out;
    }

    /**
     * Validates a tensor and writes its float32 values at the destination's position, advancing
     * it.
     *
     * @param tensor the record
     * @param expectedShape the required shape, or null to accept any
     * @param dst where the values go; needs room for all of them
     * @return the number of values written
     */
    public static int decodeInto(Tensor tensor, int[] expectedShape, FloatBuffer dst) {
        int count = validate(tensor, expectedShape);
        if (dst.remaining() < count) {
            throw new IllegalArgumentException("destination has room for " + dst.remaining() + " values, not " + count);
        }
        int start = dst.position();
        convert(tensor, count, dst);
        for (int i = start; i < start + count; i++) {
            float v = dst.get(i);
            if (!Float.isFinite(v)) {
                throw nonFinite(i - start, v);
            }
        }
        return count;
    }

    /**
     * Decodes tensors of one shape into one direct, native-order buffer laid out as a batch
     * {@code (n, shape...)}. The buffer is flipped (position 0, limit n × elements).
     *
     * @param tensors the inputs, all of {@code expectedShape}
     * @param expectedShape the shape of one input
     * @return the batch values
     * @throws TensorValidationException for the first tensor that is invalid; its message names
     *     the tensor's index
     */
    public static FloatBuffer decodeBatch(List<Tensor> tensors, int[] expectedShape) {
        int per = (int) elementCount(expectedShape);
        long total = (long) per * tensors.size();
        if (total * Float.BYTES > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("batch of " + tensors.size() + " tensors is too large");
        }
        FloatBuffer dst = ByteBuffer.allocateDirect((int) total * Float.BYTES)
                .order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        decodeBatchInto(tensors, expectedShape, dst);
        dst.flip();
        return dst;
    }

    /**
     * Like {@link #decodeBatch(List, int[])} into a caller's buffer (e.g. one reused per batch).
     *
     * @param tensors the inputs
     * @param expectedShape the shape of one input
     * @param dst destination, written from its position
     */
    public static void decodeBatchInto(List<Tensor> tensors, int[] expectedShape, FloatBuffer dst) {
        for (int i = 0; i < tensors.size(); i++) {
            try {
                decodeInto(tensors.get(i), expectedShape, dst);
            } catch (TensorValidationException e) {
                throw new TensorValidationException(e.reasonCode(), "tensor " + i + " of the batch: " + e.getMessage());
            }
        }
    }

    /**
     * Decodes one tensor into a float32 NDArray of the tensor's shape.
     *
     * @param manager owner of the new array
     * @param tensor the record
     * @return the array
     */
    public static NDArray toNDArray(NDManager manager, Tensor tensor) {
        int[] shape = shape(tensor);
        FloatBuffer values = decodeBatch(List.of(tensor), shape);
        return manager.create(values, new Shape(toLongs(shape)));
    }

    /**
     * Decodes tensors of one shape into a float32 NDArray of shape {@code (n, expectedShape...)}.
     *
     * @param manager owner of the new array
     * @param tensors the inputs
     * @param expectedShape the shape of one input
     * @return the batch array
     */
    public static NDArray toBatchNDArray(NDManager manager, List<Tensor> tensors, int[] expectedShape) {
        FloatBuffer values = decodeBatch(tensors, expectedShape);
        long[] dims = new long[expectedShape.length + 1];
        dims[0] = tensors.size();
        for (int i = 0; i < expectedShape.length; i++) {
            dims[i + 1] = expectedShape[i];
        }
        return manager.create(values, new Shape(dims));
    }

    // ------------------------------------------------------------------ sample key

    /**
     * A stable identity of a tensor's content: the lower-case hex SHA-256 of
     *
     * <pre>
     *   UTF-8(dtype name) 0x00  int32-BE(rank)  int32-BE(dim)...  data in little-endian element order
     * </pre>
     *
     * <p>Big-endian data is hashed after swapping each element to little-endian, so the same values
     * give the same key whatever byte order the sender used. The hold-out split hashes this key.
     *
     * @param tensor a valid tensor record (values are not checked for finiteness)
     * @return 64 hex characters
     */
    public static String sampleKey(Tensor tensor) {
        validate(tensor);
        MessageDigest sha = sha256();
        sha.update(tensor.getDtype().name().getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        int[] shape = shape(tensor);
        ByteBuffer header = ByteBuffer.allocate(4 * (shape.length + 1)).order(ByteOrder.BIG_ENDIAN);
        header.putInt(shape.length);
        for (int d : shape) {
            header.putInt(d);
        }
        sha.update(header.array());
        ByteBuffer data = tensor.getData().duplicate();
        int size = elementSize(tensor.getDtype());
        if (size == 1 || !isBigEndian(tensor)) {
            sha.update(data);
        } else {
            byte[] swapped = new byte[data.remaining()];
            data.get(swapped);
            for (int i = 0; i < swapped.length; i += size) {
                for (int a = i, b = i + size - 1; a < b; a++, b--) {
                    byte t = swapped[a];
                    swapped[a] = swapped[b];
                    swapped[b] = t;
                }
            }
            sha.update(swapped);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    // ------------------------------------------------------------------ internals

    private static boolean isBigEndian(Tensor tensor) {
        return tensor.getByteOrder() == io.distill.schema.ByteOrder.BIG_ENDIAN;
    }

    /** Converts {@code count} validated elements to float32 at dst's position, advancing it. */
    private static void convert(Tensor tensor, int count, FloatBuffer dst) {
        ByteBuffer src = tensor.getData().duplicate()
                .order(isBigEndian(tensor) ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        int p = src.position();
        switch (tensor.getDtype()) {
            case FLOAT32:
                dst.put(src.asFloatBuffer());
                break;
            case FLOAT64:
                for (int i = 0; i < count; i++) {
                    dst.put((float) src.getDouble(p + i * 8));
                }
                break;
            case INT32:
                for (int i = 0; i < count; i++) {
                    dst.put(src.getInt(p + i * 4));
                }
                break;
            case INT64:
                for (int i = 0; i < count; i++) {
                    dst.put(src.getLong(p + i * 8));
                }
                break;
            case UINT8:
                for (int i = 0; i < count; i++) {
                    dst.put(src.get(p + i) & 0xFF);
                }
                break;
            case INT8:
                for (int i = 0; i < count; i++) {
                    dst.put(src.get(p + i));
                }
                break;
            default:
                throw new TensorValidationException(
                        TensorValidationException.INVALID_TENSOR_DTYPE, "dtype " + tensor.getDtype() + " is not supported");
        }
    }

    private static void checkFinite(float[] values, int from, int to) {
        for (int i = from; i < to; i++) {
            if (!Float.isFinite(values[i])) {
                throw nonFinite(i - from, values[i]);
            }
        }
    }

    private static TensorValidationException nonFinite(int index, float value) {
        return new TensorValidationException(
                TensorValidationException.NON_FINITE_VALUE, "element " + index + " is " + value);
    }

    private static long[] toLongs(int[] shape) {
        long[] out = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            out[i] = shape[i];
        }
        return out;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
