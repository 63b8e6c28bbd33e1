package io.distill.core.serde;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.avro.io.Decoder;
import org.apache.avro.util.Utf8;

/**
 * Avro binary decoder over a byte array slice that checks every length against the bytes left
 * before allocating anything. Avro's own {@code BinaryDecoder} allocates a declared length first
 * (up to 2 GiB), so one malformed record could exhaust the heap; here it is a clean {@link
 * IOException}. Reset and reused per thread; not thread-safe.
 *
 * <p>A block of array or map items may not claim more items than bytes left, which holds for every
 * item type that takes at least one byte (all of Distill's contracts; not {@code array<null>}).
 */
final class BoundedBinaryDecoder extends Decoder {
  private byte[] buf = new byte[0];
  private int pos;
  private int limit;

  BoundedBinaryDecoder reset(byte[] bytes, int offset, int length) {
    this.buf = bytes;
    this.pos = offset;
    this.limit = offset + length;
    return this;
  }

  /** Bytes not read yet. */
  int remaining() {
    return limit - pos;
  }

  /** Drops the reference to the last input so a large record is not kept alive by the thread. */
  void release() {
    this.buf = EMPTY;
    this.pos = 0;
    this.limit = 0;
  }

  private static final byte[] EMPTY = new byte[0];

  private EOFException truncated(String what, long needed) {
    return new EOFException("truncated: " + what + " needs " + needed + " byte(s), " + remaining() + " left");
  }

  private int length(String what) throws IOException {
    long n = readLong();
    if (n < 0) {
      throw new IOException("invalid " + what + " length " + n);
    }
    if (n > remaining()) {
      throw truncated(what, n);
    }
    return (int) n;
  }

  private void need(int n, String what) throws IOException {
    if (n > remaining()) {
      throw truncated(what, n);
    }
  }

  @Override
  public void readNull() {}

  @Override
  public boolean readBoolean() throws IOException {
    need(1, "boolean");
    int b = buf[pos++];
    if (b == 0) {
      return false;
    }
    if (b == 1) {
      return true;
    }
    throw new IOException("invalid boolean byte " + b);
  }

  @Override
  public int readInt() throws IOException {
    int n = 0;
    int shift = 0;
    int b;
    do {
      if (pos >= limit) {
        throw truncated("int", 1);
      }
      if (shift > 28) {
        throw new IOException("invalid int encoding (more than 5 bytes)");
      }
      b = buf[pos++] & 0xff;
      n |= (b & 0x7f) << shift;
      shift += 7;
    } while ((b & 0x80) != 0);
    return (n >>> 1) ^ -(n & 1);
  }

  @Override
  public long readLong() throws IOException {
    long n = 0;
    int shift = 0;
    int b;
    do {
      if (pos >= limit) {
        throw truncated("long", 1);
      }
      if (shift > 63) {
        throw new IOException("invalid long encoding (more than 10 bytes)");
      }
      b = buf[pos++] & 0xff;
      n |= (long) (b & 0x7f) << shift;
      shift += 7;
    } while ((b & 0x80) != 0);
    return (n >>> 1) ^ -(n & 1);
  }

  @Override
  public float readFloat() throws IOException {
    need(4, "float");
    int bits = (buf[pos] & 0xff) | (buf[pos + 1] & 0xff) << 8 | (buf[pos + 2] & 0xff) << 16 | (buf[pos + 3] & 0xff) << 24;
    pos += 4;
    return Float.intBitsToFloat(bits);
  }

  @Override
  public double readDouble() throws IOException {
    need(8, "double");
    long lo = (buf[pos] & 0xffL) | (buf[pos + 1] & 0xffL) << 8 | (buf[pos + 2] & 0xffL) << 16 | (buf[pos + 3] & 0xffL) << 24;
    long hi = (buf[pos + 4] & 0xffL) | (buf[pos + 5] & 0xffL) << 8 | (buf[pos + 6] & 0xffL) << 16 | (buf[pos + 7] & 0xffL) << 24;
    pos += 8;
    return Double.longBitsToDouble(lo | hi << 32);
  }

  @Override
  public Utf8 readString(Utf8 old) throws IOException {
    int len = length("string");
    Utf8 result = old != null ? old : new Utf8();
    result.setByteLength(len);
    System.arraycopy(buf, pos, result.getBytes(), 0, len);
    pos += len;
    return result;
  }

  @Override
  public String readString() throws IOException {
    int len = length("string");
    String s = new String(buf, pos, len, StandardCharsets.UTF_8);
    pos += len;
    return s;
  }

  @Override
  public void skipString() throws IOException {
    int len = length("string"); // read before pos is loaded: 'pos += length()' would drop the length's bytes
    pos += len;
  }

  @Override
  public ByteBuffer readBytes(ByteBuffer old) throws IOException {
    int len = length("bytes");
    ByteBuffer result;
    if (old != null && len <= old.capacity() && old.hasArray()) {
      result = old;
      result.clear();
    } else {
      result = ByteBuffer.allocate(len);
    }
    System.arraycopy(buf, pos, result.array(), result.arrayOffset(), len);
    result.limit(len);
    pos += len;
    return result;
  }

  @Override
  public void skipBytes() throws IOException {
    int len = length("bytes");
    pos += len;
  }

  @Override
  public void readFixed(byte[] bytes, int start, int length) throws IOException {
    need(length, "fixed");
    System.arraycopy(buf, pos, bytes, start, length);
    pos += length;
  }

  @Override
  public void skipFixed(int length) throws IOException {
    need(length, "fixed");
    pos += length;
  }

  @Override
  public int readEnum() throws IOException {
    return readInt();
  }

  private long blockCount(String what) throws IOException {
    long count = readLong();
    if (count < 0) {
      if (count == Long.MIN_VALUE) {
        throw new IOException("invalid " + what + " block count");
      }
      count = -count;
      long size = readLong();
      if (size < 0 || size > remaining()) {
        throw new IOException("invalid " + what + " block size " + size + " (" + remaining() + " byte(s) left)");
      }
    }
    if (count > remaining()) {
      throw new IOException(what + " block claims " + count + " item(s) but only " + remaining() + " byte(s) are left");
    }
    return count;
  }

  private long skipBlocks(String what) throws IOException {
    long count = readLong();
    while (count < 0) {
      long size = readLong();
      if (size < 0 || size > remaining()) {
        throw new IOException("invalid " + what + " block size " + size + " (" + remaining() + " byte(s) left)");
      }
      pos += (int) size;
      count = readLong();
    }
    if (count > remaining()) {
      throw new IOException(what + " block claims " + count + " item(s) but only " + remaining() + " byte(s) are left");
    }
    return count;
  }

  @Override
  public long readArrayStart() throws IOException {
    return blockCount("array");
  }

  @Override
  public long arrayNext() throws IOException {
    return blockCount("array");
  }

  @Override
  public long skipArray() throws IOException {
    return skipBlocks("array");
  }

  @Override
  public long readMapStart() throws IOException {
    return blockCount("map");
  }

  @Override
  public long mapNext() throws IOException {
    return blockCount("map");
  }

  @Override
  public long skipMap() throws IOException {
    return skipBlocks("map");
  }

  @Override
  public int readIndex() throws IOException {
    return readInt();
  }
}
