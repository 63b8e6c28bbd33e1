package io.distill.core.deadletter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.registry.RegistryUnavailableException;
import io.distill.core.serde.MalformedRecordException;
import io.distill.core.serde.UnknownMagicByteException;
import io.distill.core.testing.Samples;
import io.distill.schema.DeadLetter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.Arrays;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class DeadLetterRecordsTest {
  private final Clock clock = Clock.fixed(Samples.T0, ZoneOffset.UTC);

  private static ConsumerRecord<byte[], byte[]> rec(byte[] key, byte[] value) {
    return new ConsumerRecord<>("distill.soft-labels", 5, 4242L, key, value);
  }

  private static byte[] bytes(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) i;
    }
    return b;
  }

  @Test
  void defaultCapIs64KiB() {
    assertEquals(64 * 1024, new DeadLetterRecords().maxValueBytes());
  }

  @Test
  void keepsAValueUpToTheCapWhole() {
    DeadLetterRecords records = new DeadLetterRecords(100, clock);
    DeadLetter dl = records.build(rec("k".getBytes(), bytes(100)), "topology/join", ReasonCode.LABEL_SPACE_MISMATCH, "v2 vs v1");
    assertEquals(100, dl.getOriginalSize());
    assertFalse(dl.getTruncated());
    assertEquals(ByteBuffer.wrap(bytes(100)), dl.getValue());
  }

  @Test
  void cutsALargerValueAndSaysSo() {
    DeadLetterRecords records = new DeadLetterRecords(100, clock);
    DeadLetter dl = records.build(rec("k".getBytes(), bytes(250)), "trainer/decode", ReasonCode.OVERSIZED_RECORD, "too big");
    assertEquals(250, dl.getOriginalSize());
    assertTrue(dl.getTruncated());
    assertEquals(ByteBuffer.wrap(Arrays.copyOf(bytes(250), 100)), dl.getValue());
  }

  @Test
  void nullValueHasSizeMinusOne() {
    DeadLetter dl = new DeadLetterRecords(10, clock).build(rec(null, null), "s", ReasonCode.EMPTY_RECORD, (Throwable) null);
    assertEquals(-1, dl.getOriginalSize());
    assertNull(dl.getValue());
    assertNull(dl.getKey());
    assertFalse(dl.getTruncated());
    assertEquals("EMPTY_RECORD", dl.getReason());
    assertNull(dl.getErrorClass());
  }

  @Test
  void recordsWhereWhatAndWhy() {
    byte[] key = "req-9".getBytes(StandardCharsets.UTF_8);
    byte[] value = "{json}".getBytes(StandardCharsets.UTF_8);
    UnknownMagicByteException error = new UnknownMagicByteException("distill.soft-labels", (byte) '{');
    DeadLetter dl = new DeadLetterRecords(1024, clock).build(rec(key, value), "topology/deserialize", error);
    assertEquals("distill.soft-labels", dl.getTopic());
    assertEquals(5, dl.getPartition());
    assertEquals(4242L, dl.getOffset());
    assertEquals(ByteBuffer.wrap(key), dl.getKey());
    assertEquals("topology/deserialize", dl.getStage());
    assertEquals("UNKNOWN_MAGIC_BYTE", dl.getReasonCode());
    assertTrue(dl.getReason().contains("unknown magic byte 0x7b"), dl.getReason());
    assertEquals(UnknownMagicByteException.class.getName(), dl.getErrorClass());
    assertEquals(Samples.T0, dl.getAt());
  }

  @Test
  void reasonTextIncludesCausesAndIsCapped() {
    Exception e = new IllegalStateException("outer", new IllegalArgumentException("inner detail"));
    DeadLetter dl = new DeadLetterRecords(0, clock).build(rec(null, bytes(3)), "s", ReasonCode.INTERNAL_ERROR, e);
    assertTrue(dl.getReason().contains("outer; caused by IllegalArgumentException: inner detail"), dl.getReason());
    assertEquals(0, dl.getValue().remaining());
    assertTrue(dl.getTruncated());

    DeadLetter longOne = new DeadLetterRecords(0, clock).build(rec(null, null), "s", ReasonCode.INVALID_RECORD, "x".repeat(10_000));
    assertEquals(DeadLetterRecords.MAX_REASON_CHARS, longOne.getReason().length());
  }

  @Test
  void copiesTheBytesItKeeps() {
    byte[] value = bytes(8);
    DeadLetter dl = new DeadLetterRecords(1024, clock).build(rec(null, value), "s", ReasonCode.MALFORMED, "m");
    value[0] = 99;
    assertEquals(0, dl.getValue().get(0));
  }

  @Test
  void reasonOfMapsExceptions() {
    assertEquals(ReasonCode.MALFORMED, DeadLetterRecords.reasonOf(new MalformedRecordException("t", 1, "cut", null)));
    assertEquals(ReasonCode.UNKNOWN_MAGIC_BYTE,
        DeadLetterRecords.reasonOf(new KafkaException("wrapped", new UnknownMagicByteException("t", (byte) 3))));
    assertEquals(ReasonCode.MALFORMED, DeadLetterRecords.reasonOf(new SerializationException("int needs 4 bytes")));
    assertEquals(ReasonCode.INTERNAL_ERROR, DeadLetterRecords.reasonOf(new NullPointerException()));
  }

  @Test
  void registryOutagesAreNeverDeadLetterable() {
    assertFalse(DeadLetterRecords.isDeadLetterable(new RegistryUnavailableException("down", 3, null)));
    assertFalse(DeadLetterRecords.isDeadLetterable(new KafkaException("x", new RegistryUnavailableException("down", 3, null))));
    assertTrue(DeadLetterRecords.isDeadLetterable(new UnknownMagicByteException("t", (byte) 3)));
    assertTrue(DeadLetterRecords.isDeadLetterable(new IllegalStateException("bug")));
  }

  @Test
  void refusesANegativeCap() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DeadLetterRecords(-1));
    assertTrue(e.getMessage().startsWith(DeadLetterRecords.MAX_VALUE_BYTES_CONFIG));
  }
}
