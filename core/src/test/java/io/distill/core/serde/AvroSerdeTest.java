package io.distill.core.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.deadletter.DeadLetterRecords;
import io.distill.core.deadletter.ReasonCode;
import io.distill.core.registry.InMemoryRegistryClient;
import io.distill.core.registry.RegistryUnavailableException;
import io.distill.core.registry.SchemaNotFoundException;
import io.distill.core.testing.Samples;
import io.distill.schema.GroundTruth;
import io.distill.schema.InferenceRequest;
import io.distill.schema.SoftLabel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class AvroSerdeTest {
  private static final String TOPIC = "distill.requests";
  private final InMemoryRegistryClient registry = new InMemoryRegistryClient();
  private final AvroSerde<InferenceRequest> serde = DistillSerdes.of(InferenceRequest.class, registry, false);

  static byte[] avroBinary(Schema schema, Object datum, boolean specific) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
    if (specific) {
      new SpecificDatumWriter<>(schema).write(datum, enc);
    } else {
      new GenericDatumWriter<>(schema).write(datum, enc);
    }
    enc.flush();
    return out.toByteArray();
  }

  static List<Class<? extends SpecificRecord>> recordClasses() {
    return new ArrayList<>(Samples.all().keySet());
  }

  @Test
  void writesMagicByteBigEndianIdAndPlainAvroBinary() throws IOException {
    // Push the id past one byte so its byte order shows.
    for (int i = 0; i < 300; i++) {
      registry.register("filler-" + i, SchemaBuilder.record("F" + i).fields().requiredInt("x").endRecord());
    }
    InferenceRequest req = Samples.request("req-42");
    byte[] bytes = serde.serializer().serialize(TOPIC, req);

    int id = registry.lookup(TOPIC + "-value", InferenceRequest.getClassSchema()).orElseThrow().id();
    assertTrue(id > 255, "id " + id);
    assertEquals(0, bytes[0]);
    assertArrayEquals(ByteBuffer.allocate(4).putInt(id).array(), Arrays.copyOfRange(bytes, 1, 5));
    assertEquals(id, WireFormat.schemaId(bytes));
    assertArrayEquals(avroBinary(InferenceRequest.getClassSchema(), req, true), Arrays.copyOfRange(bytes, 5, bytes.length));
  }

  @ParameterizedTest
  @MethodSource("recordClasses")
  <T extends SpecificRecord> void roundTripsEveryRecordType(Class<T> type) {
    @SuppressWarnings("unchecked")
    T value = (T) Samples.all().get(type);
    AvroSerde<T> s = DistillSerdes.of(type, registry, false);
    byte[] bytes = s.serializer().serialize("t." + type.getSimpleName(), value);
    T back = s.deserializer().deserialize("t." + type.getSimpleName(), bytes);
    assertEquals(value, back);
    assertEquals(List.of("t." + type.getSimpleName() + "-value"),
        registry.subjects().stream().filter(n -> n.startsWith("t." + type.getSimpleName() + "-")).toList());
  }

  @Test
  void samplesCoverEveryRecordTypeOfTheContracts() throws Exception {
    List<String> covered = Samples.all().keySet().stream().map(Class::getName).sorted().toList();
    assertEquals(List.copyOf(Samples.recordTypesInContracts()), covered);
  }

  @Test
  void keySerdeRegistersUnderKeySubject() {
    AvroSerde<GroundTruth> keySerde = DistillSerdes.of(GroundTruth.class, registry, true);
    keySerde.serializer().serialize("x", Samples.groundTruth("r"));
    assertEquals(List.of("x-key"), registry.subjects());
  }

  @Test
  void nullIsATombstoneBothWays() {
    assertNull(serde.serializer().serialize(TOPIC, null));
    assertNull(serde.deserializer().deserialize(TOPIC, null));
  }

  @Test
  void withoutAutoRegistrationTheSchemaMustBeRegistered() {
    AvroSerde<InferenceRequest> strict = DistillSerdes.of(InferenceRequest.class, registry, false, false);
    SerializationException e = assertThrows(SerializationException.class,
        () -> strict.serializer().serialize(TOPIC, Samples.request("a")));
    assertTrue(e.getMessage().contains("distill.requests-value"), e.getMessage());
    int id = registry.register(TOPIC + "-value", InferenceRequest.getClassSchema());
    assertEquals(id, WireFormat.schemaId(strict.serializer().serialize(TOPIC, Samples.request("a"))));
  }

  @Test
  void encodingFailureIsASerializationException() {
    InferenceRequest broken = Samples.request("a");
    broken.setSourceId(null);
    assertThrows(SerializationException.class, () -> serde.serializer().serialize(TOPIC, broken));
    // The thread's encoder state is still usable afterwards.
    InferenceRequest ok = Samples.request("b");
    assertEquals(ok, serde.deserializer().deserialize(TOPIC, serde.serializer().serialize(TOPIC, ok)));
  }

  // --- decode errors -------------------------------------------------------------------------

  private RecordDecodeException decodeFailure(byte[] bytes) {
    return assertThrows(RecordDecodeException.class, () -> serde.deserializer().deserialize(TOPIC, bytes));
  }

  @Test
  void emptyValueIsEmptyRecord() {
    RecordDecodeException e = decodeFailure(new byte[0]);
    assertInstanceOf(EmptyRecordException.class, e);
    assertEquals(ReasonCode.EMPTY_RECORD, e.reason());
    assertEquals(TOPIC, e.topic());
  }

  @Test
  void wrongMagicByteIsUnknownMagicByte() {
    byte[] json = "{\"requestId\":\"r1\"}".getBytes();
    UnknownMagicByteException e = assertInstanceOf(UnknownMagicByteException.class, decodeFailure(json));
    assertEquals(ReasonCode.UNKNOWN_MAGIC_BYTE, e.reason());
    assertEquals('{', e.magicByte());
    assertTrue(e.getMessage().contains("0x7b"), e.getMessage());
    assertInstanceOf(SerializationException.class, e);
  }

  @Test
  void shorterThanTheHeaderIsMalformed() {
    RecordDecodeException e = decodeFailure(new byte[] {0, 0, 1});
    assertInstanceOf(MalformedRecordException.class, e);
    assertEquals(ReasonCode.MALFORMED, e.reason());
    assertTrue(e.getMessage().contains("too short"), e.getMessage());
  }

  @Test
  void unknownSchemaIdIsSchemaNotFound() {
    byte[] bytes = WireFormat.frame(987_654, new byte[] {2, 'a'});
    UnknownSchemaIdException e = assertInstanceOf(UnknownSchemaIdException.class, decodeFailure(bytes));
    assertEquals(ReasonCode.SCHEMA_NOT_FOUND, e.reason());
    assertEquals(987_654, e.schemaId());
    assertInstanceOf(SchemaNotFoundException.class, e.getCause());
  }

  @Test
  void anotherRecordTypeIsSchemaMismatch() {
    byte[] softLabel = DistillSerdes.of(SoftLabel.class, registry, false).serializer().serialize("distill.soft-labels",
        Samples.softLabel("r"));
    SchemaMismatchException e = assertInstanceOf(SchemaMismatchException.class, decodeFailure(softLabel));
    assertEquals(ReasonCode.SCHEMA_MISMATCH, e.reason());
    assertEquals(WireFormat.schemaId(softLabel), e.schemaId());
    assertTrue(e.getMessage().contains("io.distill.schema.SoftLabel"), e.getMessage());
    // The verdict is cached per id and given again.
    assertInstanceOf(SchemaMismatchException.class, decodeFailure(softLabel));
  }

  @Test
  void truncatedValueIsMalformed() {
    byte[] full = serde.serializer().serialize(TOPIC, Samples.request("r"));
    for (int cut : new int[] {6, 20, full.length / 2, full.length - 1}) {
      RecordDecodeException e = decodeFailure(Arrays.copyOf(full, cut));
      assertInstanceOf(MalformedRecordException.class, e, "cut at " + cut);
      assertEquals(ReasonCode.MALFORMED, e.reason());
    }
  }

  @Test
  void trailingBytesAreMalformed() {
    byte[] full = serde.serializer().serialize(TOPIC, Samples.request("r"));
    byte[] longer = Arrays.copyOf(full, full.length + 3);
    RecordDecodeException e = decodeFailure(longer);
    assertInstanceOf(MalformedRecordException.class, e);
    assertTrue(e.getMessage().contains("3 byte(s) left over"), e.getMessage());
  }

  @Test
  void hugeDeclaredLengthIsMalformedWithoutAllocatingIt() {
    int id = registry.register(TOPIC + "-value", InferenceRequest.getClassSchema());
    // requestId declares a string of ~1.07 GB (zig-zag varint of 2^30), followed by nothing.
    byte[] bytes = WireFormat.frame(id, new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08});
    RecordDecodeException e = decodeFailure(bytes);
    assertInstanceOf(MalformedRecordException.class, e);
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
  }

  @Test
  void invalidEnumIndexIsMalformed() throws IOException {
    Schema schema = io.distill.schema.Tensor.getClassSchema();
    AvroSerde<io.distill.schema.Tensor> tensors = DistillSerdes.of(io.distill.schema.Tensor.class, registry, false);
    byte[] good = tensors.serializer().serialize("t", Samples.image(1));
    byte[] bad = good.clone();
    bad[5] = 0x7e; // dtype enum index 63
    RecordDecodeException e = assertThrows(RecordDecodeException.class, () -> tensors.deserializer().deserialize("t", bad));
    assertInstanceOf(MalformedRecordException.class, e);
    assertEquals(schema, tensors.schema());
  }

  @Test
  void registryOutageIsNotADecodeError() {
    byte[] bytes = serde.serializer().serialize(TOPIC, Samples.request("r"));
    AvroDeserializer<InferenceRequest> fresh = new AvroDeserializer<>(InferenceRequest.class, registry);
    registry.setUnavailable(true);
    RuntimeException e = assertThrows(RuntimeException.class, () -> fresh.deserialize(TOPIC, bytes));
    assertInstanceOf(RegistryUnavailableException.class, e);
    assertTrue(!(e instanceof SerializationException), "an outage must not look like a bad record");
    assertTrue(!DeadLetterRecords.isDeadLetterable(e));
    registry.setUnavailable(false);
    assertEquals(Samples.request("r"), fresh.deserialize(TOPIC, bytes));
  }

  @Test
  void resolvesAnOlderWriterSchemaToTheReader() throws IOException {
    // A producer still on an older GroundTruth without 'source' (impossible to read: no default) ...
    Schema v0 = SchemaBuilder.record("GroundTruth").namespace("io.distill.schema").fields()
        .requiredString("requestId").requiredString("labelSpaceId").requiredInt("labelSpaceVersion").requiredInt("label")
        .endRecord();
    int idV0 = registry.registerWithId("old", v0, 5000);
    GenericRecord r = new GenericData.Record(v0);
    r.put("requestId", "r9");
    r.put("labelSpaceId", "fashion-mnist");
    r.put("labelSpaceVersion", 1);
    r.put("label", 3);
    byte[] bytes = WireFormat.frame(idV0, avroBinary(v0, r, false));
    AvroDeserializer<GroundTruth> d = new AvroDeserializer<>(GroundTruth.class, registry);
    assertInstanceOf(SchemaMismatchException.class, assertThrows(RecordDecodeException.class, () -> d.deserialize("gt", bytes)));

    // ... while a newer writer with an extra field and a reordered one resolves fine.
    Schema v2 = SchemaBuilder.record("GroundTruth").namespace("io.distill.schema").fields()
        .requiredString("labelSpaceId").requiredString("requestId").requiredInt("labelSpaceVersion").requiredInt("label")
        .requiredString("source").name("labelTime").type().longType().noDefault()
        .name("reviewer").type().array().items().stringType().arrayDefault(List.of())
        .endRecord();
    int idV2 = registry.registerWithId("new", v2, 5001);
    GenericRecord n = new GenericData.Record(v2);
    n.put("requestId", "r10");
    n.put("labelSpaceId", "fashion-mnist");
    n.put("labelSpaceVersion", 1);
    n.put("label", 7);
    n.put("source", "human-review");
    n.put("labelTime", Samples.T0.toEpochMilli());
    n.put("reviewer", List.of("ann", "bob"));
    GroundTruth back = d.deserialize("gt", WireFormat.frame(idV2, avroBinary(v2, n, false)));
    assertEquals("r10", back.getRequestId());
    assertEquals(7, back.getLabel());
    assertEquals(Samples.T0, back.getLabelTime());
  }

  @Test
  void sharedSerdeIsThreadSafe() throws Exception {
    // Two writer schemas for the same reader: the current one and one with an extra field.
    Schema extended = SchemaBuilder.record("GroundTruth").namespace("io.distill.schema").fields()
        .requiredString("requestId").requiredString("labelSpaceId").requiredInt("labelSpaceVersion").requiredInt("label")
        .requiredString("source").name("labelTime").type().longType().noDefault().requiredString("note").endRecord();
    int extendedId = registry.registerWithId("gt-extended", extended, 7000);
    AvroSerde<GroundTruth> shared = DistillSerdes.of(GroundTruth.class, registry, false);
    int threads = 4;
    int perThread = 500;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        Callable<Integer> job = () -> {
          int ok = 0;
          for (int i = 0; i < perThread; i++) {
            String id = "t" + thread + "-" + i;
            GroundTruth gt = Samples.groundTruth(id);
            gt.setLabel(i % 10);
            byte[] bytes;
            if (i % 2 == 0) {
              bytes = shared.serializer().serialize("gt", gt);
            } else {
              GenericRecord g = new GenericData.Record(extended);
              g.put("requestId", id);
              g.put("labelSpaceId", gt.getLabelSpaceId());
              g.put("labelSpaceVersion", gt.getLabelSpaceVersion());
              g.put("label", gt.getLabel());
              g.put("source", gt.getSource());
              g.put("labelTime", gt.getLabelTime().toEpochMilli());
              g.put("note", "n" + i);
              bytes = WireFormat.frame(extendedId, avroBinary(extended, g, false));
            }
            if (shared.deserializer().deserialize("gt", bytes).equals(gt)) {
              ok++;
            }
          }
          return ok;
        };
        results.add(pool.submit(job));
      }
      for (Future<Integer> f : results) {
        assertEquals(perThread, f.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void decodeExceptionsShareOneBaseAndCarryTheirReason() {
    Map<Class<? extends RecordDecodeException>, ReasonCode> expected = Map.of(
        UnknownMagicByteException.class, ReasonCode.UNKNOWN_MAGIC_BYTE,
        UnknownSchemaIdException.class, ReasonCode.SCHEMA_NOT_FOUND,
        SchemaMismatchException.class, ReasonCode.SCHEMA_MISMATCH,
        MalformedRecordException.class, ReasonCode.MALFORMED,
        EmptyRecordException.class, ReasonCode.EMPTY_RECORD);
    List<RecordDecodeException> seen = List.of(
        new UnknownMagicByteException("t", (byte) 1),
        new UnknownSchemaIdException("t", 1, new SchemaNotFoundException(1, "gone", 40403)),
        new SchemaMismatchException("t", 1, "other type", null),
        new MalformedRecordException("t", 1, "cut", null),
        new EmptyRecordException("t", "nothing"));
    for (RecordDecodeException e : seen) {
      assertEquals(expected.get(e.getClass()), e.reason(), e.getClass().getSimpleName());
      assertEquals(e.reason(), DeadLetterRecords.reasonOf(e));
      assertTrue(DeadLetterRecords.isDeadLetterable(e));
    }
  }
}
