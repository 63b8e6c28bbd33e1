package io.distill.core.checkpoint;

import io.distill.schema.ContainerFormat;
import io.distill.schema.Precision;
import java.nio.charset.StandardCharsets;

/**
 * Constants of the checkpoint container ({@code distill-ckpt}).
 *
 * <h2>Layout, format version 1 (float32) and 2 (int8)</h2>
 *
 * Every integer is little-endian; {@code str} is a u32 byte length followed by that many UTF-8
 * bytes; {@code f32} values are IEEE-754 float32 little-endian.
 *
 * <pre>
 * header, 16 bytes
 *   0   8  magic           "DSTLCKPT" (ASCII)
 *   8   2  formatVersion   u16, 1 or 2
 *  10   1  precision       u8, 0 = FLOAT32 (version 1), 1 = INT8 (version 2)
 *  11   1  flags           u8, 0 (reserved)
 *  12   4  sectionCount    u32
 * sections, sectionCount times
 *   4  tag      four ASCII characters
 *   8  length   u64, bytes of payload
 *   payload
 * trailer
 *  32  SHA-256 of every byte before the trailer
 *
 * sections (the writer emits them in this order; a reader skips tags it does not know)
 *   ARCH  str family, str parameters (canonical JSON)                       required
 *   SHAP  u32 rank, i32 dim × rank        input shape, no batch dimension   required
 *   LABL  str id, i32 version, u32 numClasses, u32 n, str className × n     required
 *   PARM  u32 count, tensor × count       network parameters, block order   required
 *         (version 2: u32 count, param × count)
 *   OPTM  str type, i64 step,                                               optional
 *         u32 n, (str key, str value) × n      attributes, sorted by key
 *         u32 n, (str key, i64 value) × n      counters, sorted by key
 *         u32 n, tensor × n                    state tensors, sorted by name
 *   META  u32 n, (str key, str value) × n      free-form, sorted by key     optional
 *
 * tensor
 *   str name, u32 rank, i32 dim × rank, u32 elementCount, f32 × elementCount
 * param (version 2 only)
 *   str name, u32 rank, i32 dim × rank, u8 encoding
 *   encoding 0 (float32): u32 elementCount, f32 × elementCount
 *   encoding 1 (int8):    u32 channels, f32 scale × channels, u32 elementCount, i8 × elementCount
 * </pre>
 *
 * <p>Version 2 stores every weight of two or more dimensions as int8 with one symmetric scale per
 * output channel ({@link Int8Weights}), and everything else (biases, optimizer state if any) as
 * float32: about a quarter of the float32 size. Version 1 readers refuse it (unknown version)
 * rather than misread it; this reader reads both and hands back the dequantized parameters.
 *
 * <p>A reader refuses another magic, a format version it does not know (before checking anything
 * else, so a newer blob gets a clear message), a failed trailer checksum, a precision the format
 * version does not allow, and truncated or inconsistent sections.
 */
public final class CheckpointFormat {

    /** Container format name, as in {@link ContainerFormat#getName()}. */
    public static final String NAME = "distill-ckpt";

    /** The format version of float32 containers. */
    public static final int VERSION = 1;

    /** The format version of int8 containers. */
    public static final int INT8_VERSION = 2;

    /** The 8 magic bytes at offset 0. */
    static final byte[] MAGIC = "DSTLCKPT".getBytes(StandardCharsets.US_ASCII);

    /** Size of the fixed header. */
    static final int HEADER_BYTES = 16;

    /** Size of the SHA-256 trailer. */
    static final int TRAILER_BYTES = 32;

    /** Precision byte for float32 parameters. */
    static final int PRECISION_FLOAT32 = 0;

    /** Precision byte for int8 weights (format version 2). */
    static final int PRECISION_INT8 = 1;

    static final String ARCH = "ARCH";
    static final String SHAP = "SHAP";
    static final String LABL = "LABL";
    static final String PARM = "PARM";
    static final String OPTM = "OPTM";
    static final String META = "META";

    private CheckpointFormat() {}

    /** Parameter encoding byte of a float32 tensor (format version 2). */
    static final int ENCODING_FLOAT32 = 0;

    /** Parameter encoding byte of int8 weights with per-channel scales (format version 2). */
    static final int ENCODING_INT8 = 1;

    /** @return the manifest's description of float32 blobs */
    public static ContainerFormat containerFormat() {
        return containerFormat(Precision.FLOAT32);
    }

    /** @return the manifest's description of blobs of this precision */
    public static ContainerFormat containerFormat(Precision precision) {
        return ContainerFormat.newBuilder().setName(NAME).setVersion(formatVersion(precision)).setPrecision(precision)
                .build();
    }

    /** @return the format version a blob of this precision is written with */
    public static int formatVersion(Precision precision) {
        return switch (precision) {
            case FLOAT32 -> VERSION;
            case INT8 -> INT8_VERSION;
        };
    }
}
