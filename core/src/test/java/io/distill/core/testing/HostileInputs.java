package io.distill.core.testing;

import io.distill.core.deadletter.ReasonCode;
import io.distill.core.serde.WireFormat;
import io.distill.schema.CheckpointControl;
import io.distill.schema.CheckpointManifest;
import io.distill.schema.DType;
import io.distill.schema.GroundTruth;
import io.distill.schema.InferenceRequest;
import io.distill.schema.LabelSpace;
import io.distill.schema.SoftLabel;
import io.distill.schema.SoftTarget;
import io.distill.schema.Tensor;
import io.distill.schema.TopK;
import io.distill.schema.TrainingExample;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * A corpus of hostile inputs for every consumer of the system, each with the disposition a consumer must give it:
 * a dead letter with a specific {@link ReasonCode}, {@link #DUPLICATE} or {@link #ACCEPTED}.
 *
 * <p>Two layers. {@link #wire} is wrong at the wire level (random bytes, another serialization, a wrong magic byte,
 * truncated or over-long Avro, an unknown schema id, a valid record of another contract, zero bytes, null, an
 * oversized value) and gets the same reason code from every consumer, because all of them decode through core's
 * serdes. The contract layers ({@link #requests}, {@link #softLabels}, {@link #groundTruth}, {@link #examples}) decode
 * fine but break a rule of their contract (non-finite and huge tensor values, wrong shapes and dtypes, distributions
 * that do not sum to 1, labels outside their label space, repeated request ids); their expectations are those of a
 * consumer that checks the rule, and a consumer that does not (the topology does not know the model's input shape)
 * overrides them with {@link Input#expecting}.
 *
 * <p>Random bytes come from a seeded generator: the seed is printed by the tests that use it, so a failure replays.
 * Keys are {@code <prefix>-<name>}; a contract record's request id equals its key unless the input is about a
 * mismatch between the two.
 */
public final class HostileInputs {

    /** The consumer recognises the record as a repeat and drops it (counted, not dead-lettered). */
    public static final String DUPLICATE = "DUPLICATE";
    /** The consumer processes the record like any good one. */
    public static final String ACCEPTED = "ACCEPTED";
    /** Size of the oversized values: far above the dead letter's 64 KiB raw-value cap, below Kafka's 1 MiB default. */
    public static final int OVERSIZED_BYTES = 700 * 1024;

    /** One hostile record: its name in reports, its key and raw value, and the disposition it must end in. */
    public record Input(String name, String key, byte[] value, String expected) {
        public Input expecting(String disposition) {
            return new Input(name, key, value, disposition);
        }

        public Input expecting(ReasonCode reason) {
            return expecting(reason.name());
        }

        public boolean deadLettered() {
            return !expected.equals(DUPLICATE) && !expected.equals(ACCEPTED);
        }

        @Override
        public String toString() {
            return name + " (" + (value == null ? "null" : value.length + " bytes") + ") -> " + expected;
        }
    }

    private final long seed;
    private final Random random;

    public HostileInputs(long seed) {
        this.seed = seed;
        this.random = new Random(seed);
    }

    public long seed() {
        return seed;
    }

    // ------------------------------------------------------------------ wire level

    /**
     * Wire-level garbage for a topic whose values are {@code valid}'s contract.
     *
     * @param prefix key prefix, unique to the test
     * @param serialize the topic's value serializer (registers or looks up the contract's schema id)
     * @param valid a good record of the contract, the base of the truncated and altered ones
     * @param otherContract a valid record of another contract, in the wire format with that contract's schema id
     * @param tombstones whether a null value is a tombstone on this topic (compacted topics), else {@code EMPTY_RECORD}
     */
    public <T> List<Input> wire(String prefix, Function<T, byte[]> serialize, T valid, byte[] otherContract,
            boolean tombstones) {
        byte[] good = serialize.apply(valid);
        List<Input> out = new ArrayList<>();
        byte[] noise = randomBytes(64);
        noise[0] = (byte) (1 + random.nextInt(255));
        out.add(input(prefix, "random-bytes", noise, ReasonCode.UNKNOWN_MAGIC_BYTE));
        out.add(input(prefix, "json", ("{\"requestId\":\"" + prefix + "-json\"}").getBytes(StandardCharsets.UTF_8),
                ReasonCode.UNKNOWN_MAGIC_BYTE));
        byte[] wrongMagic = good.clone();
        wrongMagic[0] = 1;
        out.add(input(prefix, "wrong-magic-byte", wrongMagic, ReasonCode.UNKNOWN_MAGIC_BYTE));
        out.add(input(prefix, "shorter-than-header", new byte[] {0, 0, 0}, ReasonCode.MALFORMED));
        out.add(input(prefix, "header-only", Arrays.copyOf(good, WireFormat.HEADER_SIZE), ReasonCode.MALFORMED));
        out.add(input(prefix, "truncated-avro", Arrays.copyOf(good, WireFormat.HEADER_SIZE + (good.length
                - WireFormat.HEADER_SIZE) / 2), ReasonCode.MALFORMED));
        out.add(input(prefix, "trailing-bytes", concat(good, new byte[] {1, 2, 3}), ReasonCode.MALFORMED));
        byte[] unknownId = good.clone();
        ByteBuffer.wrap(unknownId).putInt(1, 0x7ff0_0000 + random.nextInt(0x000f_ffff));
        out.add(input(prefix, "unknown-schema-id", unknownId, ReasonCode.SCHEMA_NOT_FOUND));
        out.add(input(prefix, "other-contract", otherContract, ReasonCode.SCHEMA_MISMATCH));
        out.add(input(prefix, "zero-bytes", new byte[0], ReasonCode.EMPTY_RECORD));
        out.add(tombstones ? input(prefix, "null", null, ACCEPTED) : input(prefix, "null", null, ReasonCode.EMPTY_RECORD));
        out.add(input(prefix, "oversized", concat(good, randomBytes(OVERSIZED_BYTES)), ReasonCode.MALFORMED));
        return out;
    }

    // ------------------------------------------------------------------ requests

    /**
     * Requests that decode but must not be answered: non-finite pixels, wrong shapes and dtypes, a huge tensor; plus
     * huge finite pixels (accepted) and a repeat of {@code valid}'s request id ({@link #DUPLICATE}).
     *
     * @param valid a good request for the consumer's model; its id is reused for the repeat, so send {@code valid}
     *     itself first
     */
    public List<Input> requests(String prefix, Function<InferenceRequest, byte[]> serialize, InferenceRequest valid) {
        int[] shape = valid.getInput().getShape().stream().mapToInt(Integer::intValue).toArray();
        float[] pixels = floats(valid.getInput());
        List<Input> out = new ArrayList<>();
        out.add(request(prefix, "nan-pixel", serialize, valid, tensor(with(pixels, 17, Float.NaN), shape),
                ReasonCode.NON_FINITE_VALUE));
        out.add(request(prefix, "inf-pixel", serialize, valid, tensor(with(pixels, 3, Float.POSITIVE_INFINITY), shape),
                ReasonCode.NON_FINITE_VALUE));
        out.add(request(prefix, "minus-inf-pixel", serialize, valid,
                tensor(with(pixels, 400, Float.NEGATIVE_INFINITY), shape), ReasonCode.NON_FINITE_VALUE));
        float[] huge = new float[pixels.length];
        Arrays.fill(huge, 3.0e38f);
        out.add(request(prefix, "huge-pixels", serialize, valid, tensor(huge, shape), ACCEPTED));
        out.add(request(prefix, "wrong-shape", serialize, valid, tensor(new float[100], 10, 10),
                ReasonCode.INVALID_TENSOR_SHAPE));
        Tensor shortData = Tensor.newBuilder(valid.getInput()).setData(ByteBuffer.wrap(new byte[100 * 4])).build();
        out.add(request(prefix, "data-shorter-than-shape", serialize, valid, shortData, ReasonCode.INVALID_TENSOR_SHAPE));
        Tensor negative = Tensor.newBuilder(valid.getInput()).setShape(List.of(-1, 28, 28)).build();
        out.add(request(prefix, "negative-dimension", serialize, valid, negative, ReasonCode.INVALID_TENSOR_SHAPE));
        Tensor half = Tensor.newBuilder(valid.getInput()).setDtype(DType.FLOAT16)
                .setData(ByteBuffer.allocate(pixels.length * 2)).build();
        out.add(request(prefix, "float16", serialize, valid, half, ReasonCode.INVALID_TENSOR_DTYPE));
        int side = 400;
        out.add(request(prefix, "oversized-tensor", serialize, valid, tensor(new float[side * side], 1, side, side),
                ReasonCode.INVALID_TENSOR_SHAPE));
        out.add(new Input("duplicate-request-id", valid.getRequestId(), serialize.apply(valid), DUPLICATE));
        return out;
    }

    private Input request(String prefix, String name, Function<InferenceRequest, byte[]> serialize,
            InferenceRequest valid, Tensor input, Object expected) {
        String id = prefix + "-" + name;
        InferenceRequest r = InferenceRequest.newBuilder(valid).setRequestId(id).setInput(input).build();
        return new Input(name, id, serialize.apply(r), String.valueOf(expected));
    }

    // ------------------------------------------------------------------ soft labels

    /** Soft labels that decode but are not distributions over their label space, and one whose key is not its id. */
    public List<Input> softLabels(String prefix, Function<SoftLabel, byte[]> serialize, SoftLabel valid) {
        int c = valid.getLabelSpace().getClassNames().isEmpty() ? valid.getTarget().getNumClasses()
                : valid.getLabelSpace().getClassNames().size();
        List<Input> out = new ArrayList<>();
        double[] half = new double[c];
        Arrays.fill(half, Math.log(0.5 / c));
        out.add(softLabel(prefix, "mass-not-one", serialize, valid, dense(half), ReasonCode.INVALID_RECORD));
        double[] nan = uniform(c);
        nan[1] = Double.NaN;
        out.add(softLabel(prefix, "nan-log-prob", serialize, valid, dense(nan), ReasonCode.NON_FINITE_VALUE));
        double[] inf = uniform(c);
        inf[2] = Double.POSITIVE_INFINITY;
        out.add(softLabel(prefix, "inf-log-prob", serialize, valid, dense(inf), ReasonCode.NON_FINITE_VALUE));
        double[] huge = uniform(c);
        huge[0] = 1.0e30;
        out.add(softLabel(prefix, "huge-log-prob", serialize, valid, dense(huge), ReasonCode.INVALID_RECORD));
        // top-1 of 0.9 and a tail of e^0.5 > 1: a negative mass is left for the other classes
        SoftTarget tail = SoftTarget.newBuilder().setNumClasses(c).setDense(null).setTopK(TopK.newBuilder()
                .setClassIds(List.of(0)).setLogProbs(List.of((float) Math.log(0.9))).setTailLogMass(0.5f).build()).build();
        out.add(softLabel(prefix, "tail-mass-above-one", serialize, valid, tail, ReasonCode.INVALID_RECORD));
        SoftTarget outside = SoftTarget.newBuilder().setNumClasses(c).setDense(null).setTopK(TopK.newBuilder()
                .setClassIds(List.of(c + 2)).setLogProbs(List.of((float) Math.log(0.5)))
                .setTailLogMass((float) Math.log(0.5)).build()).build();
        out.add(softLabel(prefix, "class-id-out-of-range", serialize, valid, outside, ReasonCode.LABEL_OUT_OF_RANGE));
        out.add(softLabel(prefix, "wrong-class-count", serialize, valid, dense(uniform(c + 3)),
                ReasonCode.LABEL_SPACE_MISMATCH));
        SoftTarget none = SoftTarget.newBuilder().setNumClasses(c).setDense(null).setTopK(null).build();
        out.add(softLabel(prefix, "no-encoding", serialize, valid, none, ReasonCode.UNKNOWN_ENCODING));
        SoftLabel otherId = SoftLabel.newBuilder(valid).setRequestId(prefix + "-someone-else").build();
        out.add(new Input("key-differs-from-id", prefix + "-key-differs-from-id", serialize.apply(otherId),
                ReasonCode.INVALID_RECORD.name()));
        return out;
    }

    private static Input softLabel(String prefix, String name, Function<SoftLabel, byte[]> serialize, SoftLabel valid,
            SoftTarget target, ReasonCode expected) {
        String id = prefix + "-" + name;
        SoftLabel l = SoftLabel.newBuilder(valid).setRequestId(id).setTarget(target).build();
        return new Input(name, id, serialize.apply(l), expected.name());
    }

    // ------------------------------------------------------------------ ground truth

    /** Ground truth whose label lies outside its label space (below 0, at and far above the class count). */
    public List<Input> groundTruth(String prefix, Function<GroundTruth, byte[]> serialize, GroundTruth valid,
            int numClasses) {
        List<Input> out = new ArrayList<>();
        for (Map.Entry<String, Integer> e : Map.of("negative-label", -1, "label-equal-to-class-count", numClasses,
                "label-far-out", Integer.MAX_VALUE).entrySet()) {
            String id = prefix + "-" + e.getKey();
            GroundTruth t = GroundTruth.newBuilder(valid).setRequestId(id).setLabel(e.getValue()).build();
            out.add(new Input(e.getKey(), id, serialize.apply(t), ReasonCode.LABEL_OUT_OF_RANGE.name()));
        }
        out.sort((a, b) -> a.name().compareTo(b.name()));
        return out;
    }

    // ------------------------------------------------------------------ training examples

    /**
     * Training examples that decode but cannot be learnt from: labels outside the label space, targets that are not
     * distributions, non-finite or mis-shaped inputs, another label space, a missing input, a non-finite weight.
     */
    public List<Input> examples(String prefix, Function<TrainingExample, byte[]> serialize, TrainingExample valid) {
        int c = valid.getTarget().getNumClasses();
        int[] shape = valid.getInput().getShape().stream().mapToInt(Integer::intValue).toArray();
        float[] pixels = floats(valid.getInput());
        Map<String, Object[]> cases = new LinkedHashMap<>();
        cases.put("hard-label-out-of-range", new Object[] {TrainingExample.newBuilder(valid).setHardLabel(c),
                ReasonCode.LABEL_OUT_OF_RANGE});
        cases.put("negative-hard-label", new Object[] {TrainingExample.newBuilder(valid).setHardLabel(-3),
                ReasonCode.LABEL_OUT_OF_RANGE});
        double[] half = new double[c];
        Arrays.fill(half, Math.log(0.5 / c));
        cases.put("target-mass-not-one", new Object[] {TrainingExample.newBuilder(valid).setTarget(dense(half)),
                ReasonCode.INVALID_RECORD});
        SoftTarget tail = SoftTarget.newBuilder().setNumClasses(c).setDense(null).setTopK(TopK.newBuilder()
                .setClassIds(List.of(0)).setLogProbs(List.of((float) Math.log(0.9))).setTailLogMass(0.5f).build()).build();
        cases.put("target-tail-mass-above-one", new Object[] {TrainingExample.newBuilder(valid).setTarget(tail),
                ReasonCode.INVALID_RECORD});
        double[] nan = uniform(c);
        nan[4] = Double.NaN;
        cases.put("target-nan", new Object[] {TrainingExample.newBuilder(valid).setTarget(dense(nan)),
                ReasonCode.NON_FINITE_VALUE});
        cases.put("input-nan", new Object[] {TrainingExample.newBuilder(valid)
                .setInput(tensor(with(pixels, 9, Float.NaN), shape)), ReasonCode.NON_FINITE_VALUE});
        cases.put("input-inf", new Object[] {TrainingExample.newBuilder(valid)
                .setInput(tensor(with(pixels, 9, Float.POSITIVE_INFINITY), shape)), ReasonCode.NON_FINITE_VALUE});
        cases.put("input-wrong-shape", new Object[] {TrainingExample.newBuilder(valid)
                .setInput(tensor(new float[100], 10, 10)), ReasonCode.INVALID_TENSOR_SHAPE});
        cases.put("input-float16", new Object[] {TrainingExample.newBuilder(valid).setInput(Tensor.newBuilder(
                valid.getInput()).setDtype(DType.FLOAT16).setData(ByteBuffer.allocate(pixels.length * 2)).build()),
                ReasonCode.INVALID_TENSOR_DTYPE});
        LabelSpace other = LabelSpace.newBuilder(valid.getLabelSpace()).setVersion(valid.getLabelSpace().getVersion() + 7)
                .build();
        cases.put("other-label-space", new Object[] {TrainingExample.newBuilder(valid).setLabelSpace(other),
                ReasonCode.LABEL_SPACE_MISMATCH});
        cases.put("no-input", new Object[] {TrainingExample.newBuilder(valid).setInput(null), ReasonCode.INVALID_RECORD});
        cases.put("nan-weight", new Object[] {TrainingExample.newBuilder(valid).setWeight(Float.NaN),
                ReasonCode.INVALID_RECORD});
        SoftTarget none = SoftTarget.newBuilder().setNumClasses(c).setDense(null).setTopK(null).build();
        cases.put("target-no-encoding", new Object[] {TrainingExample.newBuilder(valid).setTarget(none),
                ReasonCode.UNKNOWN_ENCODING});
        List<Input> out = new ArrayList<>();
        for (Map.Entry<String, Object[]> e : cases.entrySet()) {
            String id = prefix + "-" + e.getKey();
            TrainingExample example = ((TrainingExample.Builder) e.getValue()[0]).setRequestId(id).setSampleKey(id).build();
            out.add(new Input(e.getKey(), id, serialize.apply(example), ((ReasonCode) e.getValue()[1]).name()));
        }
        return out;
    }

    // ------------------------------------------------------------------ checkpoints

    /**
     * Garbage on the compacted checkpoint topics (manifests or control records): wire-level garbage keyed like the
     * topic's records. Subscribers must skip every one of them and keep following the good records.
     */
    public List<Input> manifests(String prefix, Function<CheckpointManifest, byte[]> serialize, CheckpointManifest valid,
            byte[] otherContract) {
        return wire(prefix, serialize, valid, otherContract, true);
    }

    /** See {@link #manifests}. */
    public List<Input> control(String prefix, Function<CheckpointControl, byte[]> serialize, CheckpointControl valid,
            byte[] otherContract) {
        return wire(prefix, serialize, valid, otherContract, true);
    }

    // ------------------------------------------------------------------ helpers

    /** How many inputs expect each disposition. */
    public static Map<String, Long> expectedCounts(List<Input> inputs) {
        Map<String, Long> counts = new java.util.TreeMap<>();
        inputs.forEach(i -> counts.merge(i.expected(), 1L, Long::sum));
        return counts;
    }

    /** The inputs in a seeded random order (so consumers see bad records next to each other in varying orders). */
    public List<Input> shuffled(List<Input> inputs) {
        List<Input> copy = new ArrayList<>(inputs);
        Collections.shuffle(copy, random);
        return copy;
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static Input input(String prefix, String name, byte[] value, Object expected) {
        return new Input(name, prefix + "-" + name, value, String.valueOf(expected));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static float[] floats(Tensor t) {
        ByteBuffer b = t.getData().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }

    private static float[] with(float[] values, int index, float value) {
        float[] copy = values.clone();
        copy[index % copy.length] = value;
        return copy;
    }

    private static Tensor tensor(float[] values, int... shape) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        b.flip();
        List<Integer> dims = new ArrayList<>();
        for (int d : shape) {
            dims.add(d);
        }
        return Tensor.newBuilder().setDtype(DType.FLOAT32).setShape(dims)
                .setLayout(io.distill.schema.TensorLayout.ROW_MAJOR)
                .setByteOrder(io.distill.schema.ByteOrder.LITTLE_ENDIAN).setData(b).build();
    }

    private static double[] uniform(int c) {
        double[] lp = new double[c];
        Arrays.fill(lp, -Math.log(c));
        return lp;
    }

    private static SoftTarget dense(double[] logProbs) {
        ByteBuffer b = ByteBuffer.allocate(logProbs.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : logProbs) {
            b.putFloat((float) v);
        }
        b.flip();
        return SoftTarget.newBuilder().setNumClasses(logProbs.length).setDense(b).setTopK(null).build();
    }
}
