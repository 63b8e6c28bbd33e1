package io.distill.core.checkpoint;

import io.distill.core.architecture.ArchitectureSpec;
import io.distill.schema.LabelSpace;
import io.distill.schema.Precision;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a container blob written by {@link CheckpointWriter} (layout on {@link
 * CheckpointFormat}). Every failure is a {@link CheckpointFormatException} saying what is wrong;
 * nothing is read from a blob whose checksum fails.
 */
public final class CheckpointReader {

    /**
     * The fixed header of a blob.
     *
     * @param formatVersion the container format version
     * @param precision the precision byte (0 = FLOAT32, 1 = INT8)
     * @param sectionCount number of sections
     */
    public record Header(int formatVersion, int precision, int sectionCount) {}

    private CheckpointReader() {}

    /**
     * Reads only the header, checking the magic (not the version or checksum).
     *
     * @param blob a container blob
     * @return its header
     * @throws CheckpointFormatException when the blob is too short or not a container
     */
    public static Header readHeader(byte[] blob) throws CheckpointFormatException {
        if (blob == null || blob.length < CheckpointFormat.HEADER_BYTES) {
            throw new CheckpointFormatException(
                    "not a checkpoint container: " + (blob == null ? "no data" : blob.length + " bytes"));
        }
        if (!Arrays.equals(blob, 0, 8, CheckpointFormat.MAGIC, 0, 8)) {
            throw new CheckpointFormatException("not a checkpoint container: wrong magic bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
        int version = Short.toUnsignedInt(b.getShort(8));
        int precision = Byte.toUnsignedInt(b.get(10));
        long sections = Integer.toUnsignedLong(b.getInt(12));
        if (sections > 1024) {
            throw new CheckpointFormatException("implausible section count " + sections);
        }
        return new Header(version, precision, (int) sections);
    }

    /**
     * Verifies and reads a whole blob.
     *
     * @param blob a container blob
     * @return the checkpoint
     * @throws CheckpointFormatException for another magic, an unknown format version or precision,
     *     a checksum mismatch, or a truncated or malformed section
     */
    public static Checkpoint read(byte[] blob) throws CheckpointFormatException {
        Header header = readHeader(blob);
        int version = header.formatVersion();
        if (version != CheckpointFormat.VERSION && version != CheckpointFormat.INT8_VERSION) {
            throw new CheckpointFormatException(
                    "checkpoint format version " + version + " is not supported; this reader reads versions "
                            + CheckpointFormat.VERSION + " and " + CheckpointFormat.INT8_VERSION);
        }
        if (blob.length < CheckpointFormat.HEADER_BYTES + CheckpointFormat.TRAILER_BYTES) {
            throw new CheckpointFormatException("checkpoint is truncated: " + blob.length + " bytes");
        }
        int bodyEnd = blob.length - CheckpointFormat.TRAILER_BYTES;
        MessageDigest sha = ChunkedBlob.newSha256();
        sha.update(blob, 0, bodyEnd);
        if (!MessageDigest.isEqual(sha.digest(), Arrays.copyOfRange(blob, bodyEnd, blob.length))) {
            throw new CheckpointFormatException("checkpoint checksum mismatch: the blob is corrupt or truncated");
        }
        int expected = version == CheckpointFormat.VERSION
                ? CheckpointFormat.PRECISION_FLOAT32 : CheckpointFormat.PRECISION_INT8;
        if (header.precision() != expected) {
            throw new CheckpointFormatException(
                    "checkpoint precision " + precisionName(header.precision()) + " is not supported by format version "
                            + version);
        }
        ByteBuffer b = ByteBuffer.wrap(blob, 0, bodyEnd).order(ByteOrder.LITTLE_ENDIAN);
        b.position(CheckpointFormat.HEADER_BYTES);
        try {
            return parse(b, header);
        } catch (BufferUnderflowException | IndexOutOfBoundsException e) {
            throw new CheckpointFormatException("checkpoint section is truncated", e);
        } catch (IllegalArgumentException e) {
            throw new CheckpointFormatException("checkpoint content is invalid: " + e.getMessage(), e);
        }
    }

    private static String precisionName(int precision) {
        return switch (precision) {
            case CheckpointFormat.PRECISION_FLOAT32 -> "FLOAT32";
            case CheckpointFormat.PRECISION_INT8 -> "INT8";
            default -> Integer.toString(precision);
        };
    }

    private static Checkpoint parse(ByteBuffer b, Header header) throws CheckpointFormatException {
        boolean int8 = header.precision() == CheckpointFormat.PRECISION_INT8;
        Map<String, ByteBuffer> sections = new HashMap<>();
        for (int i = 0; i < header.sectionCount(); i++) {
            String tag = new String(bytes(b, 4), StandardCharsets.US_ASCII);
            long length = b.getLong();
            if (length < 0 || length > b.remaining()) {
                throw new CheckpointFormatException("section " + tag + " claims " + length + " bytes, " + b.remaining() + " left");
            }
            ByteBuffer payload = b.slice(b.position(), (int) length).order(ByteOrder.LITTLE_ENDIAN);
            b.position(b.position() + (int) length);
            if (sections.put(tag, payload) != null) {
                throw new CheckpointFormatException("section " + tag + " appears twice");
            }
        }
        if (b.hasRemaining()) {
            throw new CheckpointFormatException(b.remaining() + " bytes after the last section");
        }

        ByteBuffer arch = required(sections, CheckpointFormat.ARCH);
        String family = str(arch);
        String params = str(arch);
        end(arch, CheckpointFormat.ARCH);
        ArchitectureSpec spec = ArchitectureSpec.fromJson(family, params);

        ByteBuffer shap = required(sections, CheckpointFormat.SHAP);
        int rank = count(shap, 4);
        int[] shape = new int[rank];
        for (int i = 0; i < rank; i++) {
            shape[i] = shap.getInt();
        }
        end(shap, CheckpointFormat.SHAP);

        ByteBuffer labl = required(sections, CheckpointFormat.LABL);
        String id = str(labl);
        int version = labl.getInt();
        int numClasses = labl.getInt();
        int names = count(labl, 4);
        List<String> classNames = new ArrayList<>(names);
        for (int i = 0; i < names; i++) {
            classNames.add(str(labl));
        }
        end(labl, CheckpointFormat.LABL);
        LabelSpace labelSpace = LabelSpace.newBuilder().setId(id).setVersion(version).setClassNames(classNames).build();

        ByteBuffer parm = required(sections, CheckpointFormat.PARM);
        int n = count(parm, 12);
        List<NamedTensor> parameters = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            parameters.add(int8 ? param(parm) : tensor(parm));
        }
        end(parm, CheckpointFormat.PARM);

        OptimizerState optimizer = null;
        ByteBuffer optm = sections.get(CheckpointFormat.OPTM);
        if (optm != null) {
            String type = str(optm);
            long step = optm.getLong();
            int na = count(optm, 8);
            Map<String, String> attributes = new LinkedHashMap<>();
            for (int i = 0; i < na; i++) {
                attributes.put(str(optm), str(optm));
            }
            int nc = count(optm, 12);
            Map<String, Long> counters = new LinkedHashMap<>();
            for (int i = 0; i < nc; i++) {
                counters.put(str(optm), optm.getLong());
            }
            int nt = count(optm, 12);
            Map<String, NamedTensor> tensors = new LinkedHashMap<>();
            for (int i = 0; i < nt; i++) {
                NamedTensor t = tensor(optm);
                if (tensors.put(t.name(), t) != null) {
                    throw new CheckpointFormatException("optimizer tensor " + t.name() + " appears twice");
                }
            }
            end(optm, CheckpointFormat.OPTM);
            optimizer = new OptimizerState(type, step, counters, tensors, attributes);
        }

        Map<String, String> metadata = new LinkedHashMap<>();
        ByteBuffer meta = sections.get(CheckpointFormat.META);
        if (meta != null) {
            int nm = count(meta, 8);
            for (int i = 0; i < nm; i++) {
                metadata.put(str(meta), str(meta));
            }
            end(meta, CheckpointFormat.META);
        }

        return Checkpoint.builder()
                .architecture(spec)
                .inputShape(shape)
                .labelSpace(labelSpace)
                .numClasses(numClasses)
                .parameters(parameters)
                .optimizerState(optimizer)
                .metadata(metadata)
                .precision(int8 ? Precision.INT8 : Precision.FLOAT32)
                .build();
    }

    private static ByteBuffer required(Map<String, ByteBuffer> sections, String tag) throws CheckpointFormatException {
        ByteBuffer b = sections.get(tag);
        if (b == null) {
            throw new CheckpointFormatException("required section " + tag + " is missing");
        }
        return b;
    }

    private static void end(ByteBuffer b, String tag) throws CheckpointFormatException {
        if (b.hasRemaining()) {
            throw new CheckpointFormatException("section " + tag + " has " + b.remaining() + " unread bytes");
        }
    }

    /** Reads a u32 count and checks that {@code count × minBytesEach} bytes can follow. */
    private static int count(ByteBuffer b, int minBytesEach) throws CheckpointFormatException {
        long n = Integer.toUnsignedLong(b.getInt());
        if (n * minBytesEach > b.remaining()) {
            throw new CheckpointFormatException("count " + n + " exceeds the section's remaining " + b.remaining() + " bytes");
        }
        return (int) n;
    }

    private static byte[] bytes(ByteBuffer b, int n) {
        byte[] out = new byte[n];
        b.get(out);
        return out;
    }

    private static String str(ByteBuffer b) throws CheckpointFormatException {
        int n = count(b, 1);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes(b, n)))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new CheckpointFormatException("string is not valid UTF-8", e);
        }
    }

    /** A version 2 parameter: float32 or int8 with per-channel scales, dequantized. */
    private static NamedTensor param(ByteBuffer b) throws CheckpointFormatException {
        String name = str(b);
        int[] shape = shape(b, name);
        int encoding = Byte.toUnsignedInt(b.get());
        if (encoding == CheckpointFormat.ENCODING_FLOAT32) {
            return new NamedTensor(name, shape, floats(b, name, shape));
        }
        if (encoding != CheckpointFormat.ENCODING_INT8) {
            throw new CheckpointFormatException("parameter " + name + " has unknown encoding " + encoding);
        }
        if (shape.length < 2) {
            throw new CheckpointFormatException("int8 parameter " + name + " has fewer than 2 dimensions");
        }
        int channels = count(b, Float.BYTES);
        if (channels != shape[0]) {
            throw new CheckpointFormatException(
                    "int8 parameter " + name + " has " + channels + " scales for " + shape[0] + " output channels");
        }
        float[] scales = new float[channels];
        b.asFloatBuffer().get(scales);
        b.position(b.position() + channels * Float.BYTES);
        int n = count(b, 1);
        if (n != product(shape)) {
            throw new CheckpointFormatException(
                    "tensor " + name + " of shape " + Arrays.toString(shape) + " declares " + n + " values");
        }
        try {
            return new Int8Weights(name, shape, bytes(b, n), scales).dequantize();
        } catch (IllegalArgumentException e) {
            throw new CheckpointFormatException("int8 parameter " + name + " is invalid: " + e.getMessage(), e);
        }
    }

    private static int[] shape(ByteBuffer b, String name) throws CheckpointFormatException {
        int rank = count(b, 4);
        int[] shape = new int[rank];
        for (int i = 0; i < rank; i++) {
            shape[i] = b.getInt();
            if (shape[i] < 0) {
                throw new CheckpointFormatException("tensor " + name + " has a negative dimension");
            }
        }
        return shape;
    }

    private static long product(int[] shape) {
        long product = 1;
        for (int d : shape) {
            product *= d;
        }
        return product;
    }

    private static float[] floats(ByteBuffer b, String name, int[] shape) throws CheckpointFormatException {
        int n = count(b, Float.BYTES);
        if (n != product(shape)) {
            throw new CheckpointFormatException(
                    "tensor " + name + " of shape " + Arrays.toString(shape) + " declares " + n + " values");
        }
        float[] data = new float[n];
        b.asFloatBuffer().get(data);
        b.position(b.position() + n * Float.BYTES);
        return data;
    }

    private static NamedTensor tensor(ByteBuffer b) throws CheckpointFormatException {
        String name = str(b);
        int[] shape = shape(b, name);
        return new NamedTensor(name, shape, floats(b, name, shape));
    }
}
