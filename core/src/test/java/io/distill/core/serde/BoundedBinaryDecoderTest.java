package io.distill.core.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.Encoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

class BoundedBinaryDecoderTest {

  interface Writes {
    void to(Encoder e) throws IOException;
  }

  private static byte[] encode(Writes w) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder e = EncoderFactory.get().binaryEncoder(out, null);
    w.to(e);
    e.flush();
    return out.toByteArray();
  }

  private static BoundedBinaryDecoder over(byte[] b) {
    return new BoundedBinaryDecoder().reset(b, 0, b.length);
  }

  @Test
  void readsPrimitivesAsAvroWritesThem() throws IOException {
    int[] ints = {0, 1, -1, 63, -64, 64, 8191, -8192, Integer.MAX_VALUE, Integer.MIN_VALUE};
    long[] longs = {0, -1, 1L << 40, Long.MAX_VALUE, Long.MIN_VALUE};
    byte[] b = encode(e -> {
      for (int i : ints) {
        e.writeInt(i);
      }
      for (long l : longs) {
        e.writeLong(l);
      }
      e.writeFloat(-1.5e-7f);
      e.writeFloat(Float.NEGATIVE_INFINITY);
      e.writeDouble(Math.PI);
      e.writeBoolean(true);
      e.writeBoolean(false);
      e.writeString("grüße, 世界");
      e.writeBytes(new byte[] {1, 2, 3});
      e.writeFixed(new byte[] {9, 8});
      e.writeEnum(3);
      e.writeIndex(1);
    });
    BoundedBinaryDecoder d = over(b);
    for (int i : ints) {
      assertEquals(i, d.readInt());
    }
    for (long l : longs) {
      assertEquals(l, d.readLong());
    }
    assertEquals(-1.5e-7f, d.readFloat());
    assertEquals(Float.NEGATIVE_INFINITY, d.readFloat());
    assertEquals(Math.PI, d.readDouble());
    assertTrue(d.readBoolean());
    assertTrue(!d.readBoolean());
    assertEquals("grüße, 世界", d.readString());
    assertEquals(ByteBuffer.wrap(new byte[] {1, 2, 3}), d.readBytes(null));
    byte[] fixed = new byte[2];
    d.readFixed(fixed, 0, 2);
    assertArrayEquals(new byte[] {9, 8}, fixed);
    assertEquals(3, d.readEnum());
    assertEquals(1, d.readIndex());
    assertEquals(0, d.remaining());
  }

  @Test
  void skipsExactlyOneValue() throws IOException {
    byte[] b = encode(e -> {
      e.writeString("skip me");
      e.writeBytes(new byte[200]);
      e.writeFixed(new byte[3]);
      e.writeInt(42);
    });
    BoundedBinaryDecoder d = over(b);
    d.skipString();
    d.skipBytes();
    d.skipFixed(3);
    assertEquals(42, d.readInt());
    assertEquals(0, d.remaining());
  }

  @Test
  void refusesLengthsBeyondTheInput() throws IOException {
    byte[] b = encode(e -> e.writeLong(1_000_000));
    assertThrows(EOFException.class, () -> over(b).readString());
    assertThrows(EOFException.class, () -> over(b).readBytes(null));
    assertThrows(EOFException.class, () -> over(b).skipString());
    byte[] negative = encode(e -> e.writeLong(-5));
    IOException e = assertThrows(IOException.class, () -> over(negative).readBytes(null));
    assertTrue(e.getMessage().contains("length -5"), e.getMessage());
    assertThrows(EOFException.class, () -> over(new byte[] {1, 2}).readDouble());
    assertThrows(EOFException.class, () -> over(new byte[0]).readInt());
  }

  @Test
  void refusesOverlongVarintsAndBadBooleans() {
    byte[] sixBytes = {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01};
    assertThrows(IOException.class, () -> over(sixBytes).readInt());
    byte[] elevenBytes = new byte[11];
    java.util.Arrays.fill(elevenBytes, (byte) 0x80);
    assertThrows(IOException.class, () -> over(elevenBytes).readLong());
    assertThrows(IOException.class, () -> over(new byte[] {2}).readBoolean());
  }

  @Test
  void refusesBlocksClaimingMoreItemsThanBytes() throws IOException {
    byte[] b = encode(e -> e.writeLong(1L << 40));
    IOException e = assertThrows(IOException.class, () -> over(b).readArrayStart());
    assertTrue(e.getMessage().contains("claims"), e.getMessage());
    assertThrows(IOException.class, () -> over(b).readMapStart());
  }

  private static final Schema ITEM = SchemaBuilder.record("Item").fields().requiredString("name").requiredInt("n").endRecord();
  private static final Schema WRITER = SchemaBuilder.record("Box").fields()
      .requiredString("id")
      .name("items").type().array().items(ITEM).noDefault()
      .name("tags").type().map().values().stringType().noDefault()
      .name("blob").type().bytesType().noDefault()
      .endRecord();

  private static GenericRecord box(int items) {
    GenericRecord r = new GenericData.Record(WRITER);
    r.put("id", "box-1");
    List<GenericRecord> list = new ArrayList<>();
    for (int i = 0; i < items; i++) {
      GenericRecord it = new GenericData.Record(ITEM);
      it.put("name", "item-" + i);
      it.put("n", i);
      list.add(it);
    }
    r.put("items", list);
    r.put("tags", Map.of("a", "1", "b", "2"));
    r.put("blob", ByteBuffer.wrap(new byte[] {5, 6, 7}));
    return r;
  }

  /** Blocks with negative counts and byte sizes, as a blocking encoder writes them. */
  private static byte[] blocked(GenericRecord r) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder e = new EncoderFactory().configureBlockSize(64).blockingBinaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(WRITER).write(r, e);
    e.flush();
    return out.toByteArray();
  }

  @Test
  void readsSizedBlocks() throws IOException {
    GenericRecord r = box(40);
    byte[] b = blocked(r);
    BoundedBinaryDecoder d = over(b);
    GenericRecord back = new GenericDatumReader<GenericRecord>(WRITER).read(null, d);
    assertEquals(r.toString(), back.toString());
    assertEquals(0, d.remaining());
  }

  @Test
  void skipsSizedBlocksWhenTheReaderDropsAField() throws IOException {
    Schema reader = SchemaBuilder.record("Box").fields().requiredString("id").name("blob").type().bytesType().noDefault().endRecord();
    byte[] b = blocked(box(40));
    BoundedBinaryDecoder d = over(b);
    GenericRecord back = new GenericDatumReader<GenericRecord>(WRITER, reader).read(null, d);
    assertEquals("box-1", back.get("id").toString());
    assertEquals(ByteBuffer.wrap(new byte[] {5, 6, 7}), back.get("blob"));
    assertEquals(0, d.remaining());
  }
}
