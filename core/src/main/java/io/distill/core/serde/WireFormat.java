package io.distill.core.serde;

/**
 * The Confluent wire format: magic byte {@code 0}, the schema id as 4 bytes big-endian, then the
 * Avro binary encoding of the value.
 */
public final class WireFormat {
  public static final byte MAGIC_BYTE = 0;
  public static final int HEADER_SIZE = 5;

  private WireFormat() {}

  /** Whether {@code bytes} is long enough and starts with the magic byte. */
  public static boolean hasHeader(byte[] bytes) {
    return bytes != null && bytes.length >= HEADER_SIZE && bytes[0] == MAGIC_BYTE;
  }

  /** The schema id of a value with a header; see {@link #hasHeader(byte[])}. */
  public static int schemaId(byte[] bytes) {
    if (!hasHeader(bytes)) {
      throw new IllegalArgumentException("not in the Confluent wire format");
    }
    return readId(bytes);
  }

  static int readId(byte[] b) {
    return (b[1] & 0xff) << 24 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 8 | (b[4] & 0xff);
  }

  /** A header for {@code schemaId} followed by {@code payload}. */
  public static byte[] frame(int schemaId, byte[] payload) {
    byte[] out = new byte[HEADER_SIZE + payload.length];
    writeHeader(out, schemaId);
    System.arraycopy(payload, 0, out, HEADER_SIZE, payload.length);
    return out;
  }

  static void writeHeader(byte[] out, int schemaId) {
    out[0] = MAGIC_BYTE;
    out[1] = (byte) (schemaId >>> 24);
    out[2] = (byte) (schemaId >>> 16);
    out[3] = (byte) (schemaId >>> 8);
    out[4] = (byte) schemaId;
  }
}
