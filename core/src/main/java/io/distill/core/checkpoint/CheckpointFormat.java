package io.distill.core.checkpoint;

import io.distill.schema.ContainerFormat;
import io.distill.schema.Precision;
import java.nio.charset.StandardCharsets;

/**
 * Constants of the checkpoint container ({@code distill-ckpt}).
 *
 * <h2>Layout, format version 1</h2>
 *
 * Every integer is little-endian; {@code str} is a u32 byte length followed by that many UTF-8
 * bytes; {@code f32} values are IEEE-754 float32 little-endian.
 *
 * <pre>
 * header, 16 bytes
 *   0   8  magic           "DSTLCKPT" (ASCII)
 *   8   2  formatVersion   u16, 1
 *  10   1  precision       u8, 0 = FLOAT32 (1 = INT8 is reserved for a later format version)
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
 *   OPTM  str type, i64 step,                                               optional
 *         u32 n, (str key, str value) × n      attributes, sorted by key
 *         u32 n, (str key, i64 value) × n      counters, sorted by key
 *         u32 n, tensor × n                    state tensors, sorted by name
 *   META  u32 n, (str key, str value) × n      free-form, sorted by key     optional
 *
 * tensor
 *   str name, u32 rank, i32 dim × rank, u32 elementCount, f32 × elementCount
 * </pre>
 *
 * <p>A reader refuses another magic, a format version it does not know (before checking anything
 * else, so a newer blob gets a clear message), a failed trailer checksum, a precision it does not
 * know, and truncated or inconsistent sections. An INT8 variant will raise the format version and
 * set the precision byte; version 1 readers then refuse it rather than misread it.
 */
public final class CheckpointFormat {

    /** Container format name, as in {@link ContainerFormat#getName()}. */
    public static final String NAME = "distill-ckpt";

    /** The format version this code writes and reads. */
    public static final int VERSION = 1;

    /** The 8 magic bytes at offset 0. */
    static final byte[] MAGIC = "DSTLCKPT".getBytes(StandardCharsets.US_ASCII);

    /** Size of the fixed header. */
    static final int HEADER_BYTES = 16;

    /** Size of the SHA-256 trailer. */
    static final int TRAILER_BYTES = 32;

    /** Precision byte for float32 parameters. */
    static final int PRECISION_FLOAT32 = 0;

    /** Precision byte reserved for int8 parameters. */
    static final int PRECISION_INT8 = 1;

    static final String ARCH = "ARCH";
    static final String SHAP = "SHAP";
    static final String LABL = "LABL";
    static final String PARM = "PARM";
    static final String OPTM = "OPTM";
    static final String META = "META";

    private CheckpointFormat() {}

    /** @return the manifest's description of blobs this code writes */
    public static ContainerFormat containerFormat() {
        return ContainerFormat.newBuilder().setName(NAME).setVersion(VERSION).setPrecision(Precision.FLOAT32).build();
    }
}
