package io.distill.core.dataset;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * Reader of the IDX format (as used by MNIST and Fashion-MNIST): a magic number whose third byte is the element
 * type and fourth the number of dimensions, the dimensions as big-endian ints, then the elements. Only unsigned
 * bytes (type 0x08) are supported, which is what image and label files use. Gzipped files are read transparently.
 */
public final class IdxFile {

    private static final int UNSIGNED_BYTE = 0x08;

    private final int[] shape;
    private final byte[] data;

    private IdxFile(int[] shape, byte[] data) {
        this.shape = shape;
        this.data = data;
    }

    public static IdxFile read(Path path) throws IOException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(path), 1 << 16);
             InputStream in = path.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw) {
            return read(in, path.toString());
        }
    }

    static IdxFile read(InputStream stream, String name) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        int magic = in.readInt();
        if ((magic >>> 16) != 0) {
            throw new IOException(name + ": not an IDX file (magic " + Integer.toHexString(magic) + ")");
        }
        int type = (magic >>> 8) & 0xff;
        int dims = magic & 0xff;
        if (type != UNSIGNED_BYTE) {
            throw new IOException(name + ": IDX element type 0x" + Integer.toHexString(type) + " is not supported (only unsigned bytes)");
        }
        if (dims < 1 || dims > 4) {
            throw new IOException(name + ": unexpected number of IDX dimensions " + dims);
        }
        int[] shape = new int[dims];
        long size = 1;
        for (int i = 0; i < dims; i++) {
            shape[i] = in.readInt();
            if (shape[i] < 0) {
                throw new IOException(name + ": negative IDX dimension " + shape[i]);
            }
            size *= shape[i];
        }
        if (size > Integer.MAX_VALUE - 8) {
            throw new IOException(name + ": IDX file too large (" + size + " elements)");
        }
        byte[] data = new byte[(int) size];
        in.readFully(data);
        return new IdxFile(shape, data);
    }

    /** Dimensions, the number of items first. */
    public int[] shape() {
        return shape.clone();
    }

    public int count() {
        return shape[0];
    }

    /** Elements per item (e.g. 784 for 28x28 images, 1 for labels). */
    public int itemSize() {
        int s = 1;
        for (int i = 1; i < shape.length; i++) {
            s *= shape[i];
        }
        return s;
    }

    /** The unsigned byte value of element {@code j} of item {@code i}. */
    public int get(int i, int j) {
        return data[i * itemSize() + j] & 0xff;
    }

    /** Item {@code i} scaled to [0, 1] as float32. */
    public float[] itemAsUnitFloats(int i) {
        int n = itemSize();
        float[] out = new float[n];
        int base = i * n;
        for (int j = 0; j < n; j++) {
            out[j] = (data[base + j] & 0xff) / 255f;
        }
        return out;
    }

    @Override
    public String toString() {
        return "IdxFile" + Arrays.toString(shape);
    }
}
