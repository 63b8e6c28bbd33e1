package io.distill.core.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.deadletter.ReasonCode;
import io.distill.core.registry.InMemoryRegistryClient;
import io.distill.core.registry.RegistryUnavailableException;
import io.distill.core.testing.Samples;
import io.distill.schema.CheckpointControl;
import io.distill.schema.InferenceRequest;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class RecordDecoderTest {
  private final InMemoryRegistryClient registry = new InMemoryRegistryClient();
  private final RecordDecoder<InferenceRequest> decoder = RecordDecoder.of(InferenceRequest.class, registry);

  private static ConsumerRecord<byte[], byte[]> rec(byte[] value) {
    return new ConsumerRecord<>("distill.requests", 4, 1234L, "req-7".getBytes(StandardCharsets.UTF_8), value);
  }

  @Test
  void decodesAGoodRecord() {
    byte[] bytes = DistillSerdes.of(InferenceRequest.class, registry, false).serializer().serialize("distill.requests",
        Samples.request("req-7"));
    DecodeResult<InferenceRequest> r = decoder.decode(rec(bytes));
    DecodeResult.Decoded<InferenceRequest> d = assertInstanceOf(DecodeResult.Decoded.class, r);
    assertEquals(Samples.request("req-7"), d.value());
    assertEquals("req-7", r.key());
    assertTrue(r.isDecoded());
  }

  @Test
  void returnsTheFailureWithItsLocation() {
    ConsumerRecord<byte[], byte[]> bad = rec("not avro".getBytes(StandardCharsets.UTF_8));
    DecodeResult<InferenceRequest> r = decoder.decode(bad);
    DecodeResult.Failed<InferenceRequest> f = assertInstanceOf(DecodeResult.Failed.class, r);
    assertSame(bad, f.record());
    assertEquals(ReasonCode.UNKNOWN_MAGIC_BYTE, f.error().reason());
    assertEquals("distill.requests", f.error().topic());
    assertEquals(4, f.error().partition());
    assertEquals(1234L, f.error().offset());
    assertTrue(f.error().getMessage().contains("partition=4, offset=1234"), f.error().getMessage());
    assertThrows(UnknownMagicByteException.class, r::valueOrThrow);
  }

  @Test
  void nullValueIsEmptyUnlessTombstonesAreAllowed() {
    DecodeResult.Failed<InferenceRequest> f = assertInstanceOf(DecodeResult.Failed.class, decoder.decode(rec(null)));
    assertEquals(ReasonCode.EMPTY_RECORD, f.error().reason());

    RecordDecoder<CheckpointControl> compacted = RecordDecoder.allowingTombstones(CheckpointControl.class, registry);
    DecodeResult.Decoded<CheckpointControl> d = assertInstanceOf(DecodeResult.Decoded.class, compacted.decode(rec(null)));
    assertTrue(d.isTombstone());
    assertNull(d.value());
  }

  @Test
  void registryOutageIsThrownNotReturned() {
    byte[] bytes = DistillSerdes.of(InferenceRequest.class, registry, false).serializer().serialize("distill.requests",
        Samples.request("req-7"));
    RecordDecoder<InferenceRequest> fresh = RecordDecoder.of(InferenceRequest.class, registry);
    registry.setUnavailable(true);
    assertThrows(RegistryUnavailableException.class, () -> fresh.decode(rec(bytes)));
  }
}
