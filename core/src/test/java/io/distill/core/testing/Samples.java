package io.distill.core.testing;

import io.distill.schema.Architecture;
import io.distill.schema.ByteOrder;
import io.distill.schema.CheckpointControl;
import io.distill.schema.CheckpointManifest;
import io.distill.schema.ChunkRef;
import io.distill.schema.ContainerFormat;
import io.distill.schema.ControlMode;
import io.distill.schema.DType;
import io.distill.schema.DeadLetter;
import io.distill.schema.ExampleKind;
import io.distill.schema.GroundTruth;
import io.distill.schema.InferenceRequest;
import io.distill.schema.LabelSpace;
import io.distill.schema.OffsetRange;
import io.distill.schema.Precision;
import io.distill.schema.Prediction;
import io.distill.schema.SoftLabel;
import io.distill.schema.SoftTarget;
import io.distill.schema.Split;
import io.distill.schema.TeacherContribution;
import io.distill.schema.TeacherRef;
import io.distill.schema.Tensor;
import io.distill.schema.TensorLayout;
import io.distill.schema.TopK;
import io.distill.schema.TrainingExample;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/** Realistic instances of every record type of the Avro contracts (Fashion-MNIST flavoured). */
public final class Samples {
  private Samples() {}

  public static final Instant T0 = Instant.parse("2025-03-14T09:26:53.589Z");
  public static final List<String> CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
      "Sneaker", "Bag", "Ankle boot");

  public static ByteBuffer float32le(float... values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    b.flip();
    return b;
  }

  public static LabelSpace labelSpace() {
    return LabelSpace.newBuilder().setId("fashion-mnist").setVersion(1).setClassNames(CLASSES).build();
  }

  /** A 28x28 float32 image with a deterministic gradient. */
  public static Tensor image(int seed) {
    float[] px = new float[28 * 28];
    for (int i = 0; i < px.length; i++) {
      px[i] = ((i * 31 + seed * 17) % 256) / 255f;
    }
    return Tensor.newBuilder().setDtype(DType.FLOAT32).setShape(List.of(28, 28)).setLayout(TensorLayout.ROW_MAJOR)
        .setByteOrder(ByteOrder.LITTLE_ENDIAN).setData(float32le(px)).build();
  }

  public static float[] logProbs() {
    float[] p = {0.02f, 0.01f, 0.05f, 0.02f, 0.7f, 0.01f, 0.15f, 0.01f, 0.02f, 0.01f};
    float[] lp = new float[p.length];
    for (int i = 0; i < p.length; i++) {
      lp[i] = (float) Math.log(p[i]);
    }
    return lp;
  }

  public static SoftTarget denseTarget() {
    return SoftTarget.newBuilder().setNumClasses(10).setDense(float32le(logProbs())).setTopK(null).build();
  }

  public static TopK topK() {
    return TopK.newBuilder().setClassIds(List.of(4, 6, 2)).setLogProbs(List.of((float) Math.log(0.7), (float) Math.log(0.15),
        (float) Math.log(0.05))).setTailLogMass((float) Math.log(0.1)).build();
  }

  public static SoftTarget topKTarget() {
    return SoftTarget.newBuilder().setNumClasses(10).setDense(null).setTopK(topK()).build();
  }

  public static InferenceRequest request(String id) {
    return InferenceRequest.newBuilder().setRequestId(id).setSourceId("shop-frontend").setTask("fashion-mnist")
        .setEventTime(T0).setInput(image(id.hashCode())).setSampleKey("sample-" + id)
        .setMetadata(Map.of("region", "eu-west-1", "app.version", "3.2.1")).build();
  }

  public static SoftLabel softLabel(String id) {
    return SoftLabel.newBuilder().setRequestId(id).setTeacherId("resnet-teacher").setTeacherVersion("sha256:ab12cd")
        .setLabelSpace(labelSpace()).setTarget(denseTarget()).setArgmax(4).setLatencyMicros(1850)
        .setRequestTime(T0).setProducedAt(T0.plusMillis(12)).build();
  }

  public static GroundTruth groundTruth(String id) {
    return GroundTruth.newBuilder().setRequestId(id).setLabelSpaceId("fashion-mnist").setLabelSpaceVersion(1).setLabel(4)
        .setSource("human-review").setLabelTime(T0.plusSeconds(3600)).build();
  }

  public static Prediction prediction(String id) {
    return Prediction.newBuilder().setRequestId(id).setModelName("student-mlp").setModelVersion("17")
        .setLabelSpace(labelSpace()).setPredictedClass(4)
        .setProbabilities(List.of(0.02f, 0.01f, 0.05f, 0.02f, 0.7f, 0.01f, 0.15f, 0.01f, 0.02f, 0.01f))
        .setLatencyMicros(240).setProducedAt(T0.plusMillis(3)).build();
  }

  public static TeacherContribution contribution() {
    return TeacherContribution.newBuilder().setTeacherId("resnet-teacher").setTeacherVersion("sha256:ab12cd").setWeight(0.6f).build();
  }

  public static TrainingExample example(String id) {
    return TrainingExample.newBuilder().setRequestId(id).setKind(ExampleKind.EXAMPLE).setSampleKey("sample-" + id)
        .setSplit(Split.TRAIN).setTask("fashion-mnist").setEventTime(T0).setInput(image(7)).setTarget(topKTarget())
        .setHardLabel(4).setLabelSpace(labelSpace()).setWeight(0.83f)
        .setTeachers(List.of(contribution(), TeacherContribution.newBuilder().setTeacherId("vit-teacher")
            .setTeacherVersion("v2").setWeight(0.4f).build()))
        .setMetadata(Map.of("region", "eu-west-1")).build();
  }

  public static TrainingExample labelCorrection(String id) {
    return TrainingExample.newBuilder().setRequestId(id).setKind(ExampleKind.LABEL_CORRECTION).setSampleKey("sample-" + id)
        .setSplit(Split.HOLDOUT).setTask("fashion-mnist").setEventTime(T0).setInput(null).setTarget(null).setHardLabel(6)
        .setLabelSpace(labelSpace()).build();
  }

  public static Architecture architecture() {
    return Architecture.newBuilder().setFamily("mlp").setSpec("{\"hidden\":[256,128],\"dropout\":0.1}").setParameterCount(235_146).build();
  }

  public static OffsetRange offsetRange() {
    return OffsetRange.newBuilder().setTopic("distill.examples").setPartition(3).setFromOffset(1200).setUntilOffset(2400).build();
  }

  public static TeacherRef teacherRef() {
    return TeacherRef.newBuilder().setTeacherId("resnet-teacher").setTeacherVersion("sha256:ab12cd").build();
  }

  public static ContainerFormat containerFormat() {
    return ContainerFormat.newBuilder().setName("distill-ckpt").setVersion(1).setPrecision(Precision.FLOAT32).build();
  }

  public static ChunkRef chunk(int index) {
    return ChunkRef.newBuilder().setIndex(index).setSizeBytes(1 << 20)
        .setSha256("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
        .setLocation("student-mlp:17:" + index).build();
  }

  public static CheckpointManifest manifest() {
    return CheckpointManifest.newBuilder().setModelName("student-mlp").setVersion(17).setParentVersion(16L).setCreatedAt(T0)
        .setArchitecture(architecture()).setInputShape(List.of(28, 28)).setLabelSpace(labelSpace()).setStep(42_000)
        .setSamplesSeen(1_344_000).setOffsets(List.of(offsetRange())).setTeachers(List.of(teacherRef()))
        .setMetrics(Map.of("agreement", 0.912, "accuracy", 0.874, "ece", 0.031)).setFormat(containerFormat())
        .setTotalBytes(2_400_000).setSha256("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        .setBlobStore("kafka:distill.checkpoint-blobs").setChunks(List.of(chunk(0), chunk(1), chunk(2)))
        .setCodeVersion("0.1.0").setConfigHash("5d41402abc4b2a76b9719d911017c592").setSeed(1234).build();
  }

  public static CheckpointControl control() {
    return CheckpointControl.newBuilder().setModelName("student-mlp").setMode(ControlMode.PINNED).setVersion(16L)
        .setDenied(List.of(17L)).setActor("ops@example.com").setAt(T0).setReason("rollback: accuracy regression").build();
  }

  public static DeadLetter deadLetter() {
    return DeadLetter.newBuilder().setTopic("distill.requests").setPartition(2).setOffset(981).setKey(ByteBuffer.wrap("req-1".getBytes()))
        .setStage("teacher-service/decode").setReasonCode("UNKNOWN_MAGIC_BYTE").setReason("unknown magic byte 0x7b")
        .setErrorClass("io.distill.core.serde.UnknownMagicByteException").setAt(T0).setOriginalSize(3)
        .setValue(ByteBuffer.wrap(new byte[] {'{', '}', '\n'})).setTruncated(false).build();
  }

  /** One realistic instance of every record class, keyed by class. */
  public static Map<Class<? extends SpecificRecord>, SpecificRecord> all() {
    Map<Class<? extends SpecificRecord>, SpecificRecord> m = new LinkedHashMap<>();
    m.put(LabelSpace.class, labelSpace());
    m.put(Tensor.class, image(1));
    m.put(SoftTarget.class, denseTarget());
    m.put(TopK.class, topK());
    m.put(InferenceRequest.class, request("req-1"));
    m.put(SoftLabel.class, softLabel("req-1"));
    m.put(GroundTruth.class, groundTruth("req-1"));
    m.put(Prediction.class, prediction("req-1"));
    m.put(TrainingExample.class, example("req-1"));
    m.put(TeacherContribution.class, contribution());
    m.put(Architecture.class, architecture());
    m.put(OffsetRange.class, offsetRange());
    m.put(TeacherRef.class, teacherRef());
    m.put(ContainerFormat.class, containerFormat());
    m.put(ChunkRef.class, chunk(0));
    m.put(CheckpointManifest.class, manifest());
    m.put(CheckpointControl.class, control());
    m.put(DeadLetter.class, deadLetter());
    return m;
  }

  /**
   * The full names of every record type in the contracts: the {@code avro/*.avsc} files packaged
   * with the generated classes and every record nested in them.
   */
  public static Set<String> recordTypesInContracts() throws IOException, URISyntaxException {
    Path location = Path.of(InferenceRequest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Set<String> names = new TreeSet<>();
    if (Files.isDirectory(location)) {
      collect(location.resolve("avro"), names);
    } else {
      try (FileSystem fs = FileSystems.newFileSystem(location)) {
        collect(fs.getPath("avro"), names);
      }
    }
    return names;
  }

  private static void collect(Path dir, Set<String> names) throws IOException {
    List<String> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".avsc")).toList();
    }
    if (files.isEmpty()) {
      throw new IllegalStateException("no .avsc files under " + dir);
    }
    for (String f : files) {
      String cls = "io.distill.schema." + f.substring(0, f.length() - ".avsc".length());
      Deque<Schema> todo = new ArrayDeque<>();
      try {
        todo.add(SpecificData.get().getSchema(Class.forName(cls)));
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException(f + " has no generated class " + cls, e);
      }
      while (!todo.isEmpty()) {
        Schema s = todo.pop();
        switch (s.getType()) {
          case RECORD -> {
            if (names.add(s.getFullName())) {
              s.getFields().forEach(fl -> todo.add(fl.schema()));
            }
          }
          case UNION -> todo.addAll(s.getTypes());
          case ARRAY -> todo.add(s.getElementType());
          case MAP -> todo.add(s.getValueType());
          default -> { }
        }
      }
    }
  }
}
