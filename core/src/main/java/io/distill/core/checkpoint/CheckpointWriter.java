package io.distill.core.checkpoint;

import io.distill.schema.LabelSpace;
import io.distill.schema.Precision;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Map;

/**
 * Writes a {@link Checkpoint} as one container blob in the layout documented on {@link
 * CheckpointFormat}: float32 (format version 1) or int8 weights with per-channel scales (format
 * version 2). Writing is deterministic: the same checkpoint always gives the same bytes.
 */
public final class CheckpointWriter {

    private CheckpointWriter() {}

    /**
     * @param checkpoint the content
     * @return the float32 container blob (format version 1)
     */
    public static byte[] write(Checkpoint checkpoint) {
        return write(checkpoint, Precision.FLOAT32);
    }

    /**
     * @param checkpoint the content
     * @param precision FLOAT32, or INT8 to store every {@linkplain Int8Weights#quantizable weight} as int8 with
     *     per-output-channel scales (biases and optimizer state stay float32)
     * @return the container blob
     * @throws IllegalArgumentException when an int8 checkpoint's weights are not finite
     */
    public static byte[] write(Checkpoint checkpoint, Precision precision) {
        boolean int8 = precision == Precision.INT8;
        Out out = new Out(estimate(checkpoint));
        out.bytes(CheckpointFormat.MAGIC);
        out.u16(CheckpointFormat.formatVersion(precision));
        out.u8(int8 ? CheckpointFormat.PRECISION_INT8 : CheckpointFormat.PRECISION_FLOAT32);
        out.u8(0);
        boolean hasOptimizer = checkpoint.optimizerState().isPresent();
        out.u32(hasOptimizer ? 6 : 5);

        int s = out.beginSection(CheckpointFormat.ARCH);
        out.str(checkpoint.architecture().family());
        out.str(checkpoint.architecture().canonicalJson());
        out.endSection(s);

        s = out.beginSection(CheckpointFormat.SHAP);
        int[] shape = checkpoint.inputShape();
        out.u32(shape.length);
        for (int d : shape) {
            out.i32(d);
        }
        out.endSection(s);

        s = out.beginSection(CheckpointFormat.LABL);
        LabelSpace ls = checkpoint.labelSpace();
        out.str(ls.getId());
        out.i32(ls.getVersion());
        out.u32(checkpoint.numClasses());
        out.u32(ls.getClassNames().size());
        for (String name : ls.getClassNames()) {
            out.str(name);
        }
        out.endSection(s);

        s = out.beginSection(CheckpointFormat.PARM);
        out.u32(checkpoint.parameters().size());
        for (NamedTensor t : checkpoint.parameters()) {
            if (!int8) {
                out.tensor(t);
            } else if (Int8Weights.quantizable(t)) {
                out.int8(Int8Weights.quantize(t));
            } else {
                out.header(t.name(), t.shape());
                out.u8(CheckpointFormat.ENCODING_FLOAT32);
                out.floats(t.data());
            }
        }
        out.endSection(s);

        if (hasOptimizer) {
            OptimizerState st = checkpoint.optimizerState().get();
            s = out.beginSection(CheckpointFormat.OPTM);
            out.str(st.type());
            out.i64(st.step());
            out.u32(st.attributes().size());
            for (Map.Entry<String, String> e : st.attributes().entrySet()) {
                out.str(e.getKey());
                out.str(e.getValue());
            }
            out.u32(st.counters().size());
            for (Map.Entry<String, Long> e : st.counters().entrySet()) {
                out.str(e.getKey());
                out.i64(e.getValue());
            }
            out.u32(st.tensors().size());
            for (NamedTensor t : st.tensors().values()) {
                out.tensor(t);
            }
            out.endSection(s);
        }

        s = out.beginSection(CheckpointFormat.META);
        out.u32(checkpoint.metadata().size());
        for (Map.Entry<String, String> e : checkpoint.metadata().entrySet()) {
            out.str(e.getKey());
            out.str(e.getValue());
        }
        out.endSection(s);

        MessageDigest sha = ChunkedBlob.newSha256();
        sha.update(out.buf, 0, out.pos);
        out.bytes(sha.digest());
        return Arrays.copyOf(out.buf, out.pos);
    }

    private static int estimate(Checkpoint c) {
        long n = 4096 + c.parameterCount() * 4L + c.parameters().size() * 64L;
        if (c.optimizerState().isPresent()) {
            for (NamedTensor t : c.optimizerState().get().tensors().values()) {
                n += t.size() * 4L + 64;
            }
        }
        return (int) Math.min(n, Integer.MAX_VALUE - 16);
    }

    /** A growable little-endian byte sink. */
    private static final class Out {
        private byte[] buf;
        private int pos;

        Out(int capacity) {
            buf = new byte[Math.max(64, capacity)];
        }

        private void ensure(long extra) {
            long need = pos + extra;
            if (need > Integer.MAX_VALUE - 16) {
                throw new IllegalStateException("checkpoint larger than 2 GiB");
            }
            if (need > buf.length) {
                buf = Arrays.copyOf(buf, (int) Math.min(Integer.MAX_VALUE - 16, Math.max(need, buf.length * 2L)));
            }
        }

        private ByteBuffer at(int size) {
            ensure(size);
            ByteBuffer b = ByteBuffer.wrap(buf, pos, size).order(ByteOrder.LITTLE_ENDIAN);
            pos += size;
            return b;
        }

        void bytes(byte[] b) {
            ensure(b.length);
            System.arraycopy(b, 0, buf, pos, b.length);
            pos += b.length;
        }

        void u8(int v) {
            ensure(1);
            buf[pos++] = (byte) v;
        }

        void u16(int v) {
            at(2).putShort((short) v);
        }

        void u32(long v) {
            if (v < 0 || v > 0xFFFFFFFFL) {
                throw new IllegalArgumentException("value " + v + " does not fit u32");
            }
            at(4).putInt((int) v);
        }

        void i32(int v) {
            at(4).putInt(v);
        }

        void i64(long v) {
            at(8).putLong(v);
        }

        void str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u32(b.length);
            bytes(b);
        }

        void tensor(NamedTensor t) {
            header(t.name(), t.shape());
            floats(t.data());
        }

        void header(String name, int[] shape) {
            str(name);
            u32(shape.length);
            for (int d : shape) {
                i32(d);
            }
        }

        void floats(float[] data) {
            u32(data.length);
            at(data.length * Float.BYTES).asFloatBuffer().put(data);
        }

        void int8(Int8Weights w) {
            header(w.name(), w.shape());
            u8(CheckpointFormat.ENCODING_INT8);
            floats(w.scales());
            u32(w.values().length);
            bytes(w.values());
        }

        int beginSection(String tag) {
            bytes(tag.getBytes(StandardCharsets.US_ASCII));
            int lengthAt = pos;
            i64(0);
            return lengthAt;
        }

        void endSection(int lengthAt) {
            long length = pos - (lengthAt + 8L);
            ByteBuffer.wrap(buf, lengthAt, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(length);
        }
    }
}
