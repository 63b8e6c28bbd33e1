package io.distill.topology;

import static io.distill.topology.testkit.Records.label;
import static io.distill.topology.testkit.Records.request;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.tensor.TensorCodec;
import io.distill.schema.DeadLetter;
import io.distill.schema.InferenceRequest;
import io.distill.schema.Tensor;
import io.distill.topology.testkit.Records;
import io.distill.topology.testkit.TopologyHarness;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Bad records go to the dead-letter topic with a reason and their raw bytes; processing goes on. */
class DeadLetterTest {

    private static final byte[] GARBAGE = "not avro at all".getBytes(StandardCharsets.UTF_8);

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }

    @Test
    void undecodableRecordsOnEveryInputAreDeadLetteredAndTheNextRecordIsProcessed() {
        try (TopologyHarness h = new TopologyHarness(Map.of("deadletter.max.value.bytes", "8"))) {
            h.sendRawRequest("bad-1", GARBAGE);
            h.sendRawSoftLabel("bad-2", GARBAGE);
            h.sendRawGroundTruth("bad-3", GARBAGE);
            h.send(request("r1", 1f, 1000));
            h.send(label("r1", "cnn-a", 0.7, 0.2, 0.1));
            h.send(label("r1", "cnn-b", 0.7, 0.2, 0.1));
            assertEquals(1, h.examples().size(), "the application went on");
            List<DeadLetter> letters = h.deadLetters();
            assertEquals(3, letters.size());
            assertEquals(List.of(h.config.requestsTopic(), h.config.softLabelsTopic(), h.config.groundTruthTopic()),
                    letters.stream().map(DeadLetter::getTopic).toList());
            for (DeadLetter letter : letters) {
                assertEquals("UNKNOWN_MAGIC_BYTE", letter.getReasonCode(), "the bytes do not start with the wire format's magic byte");
                assertTrue(letter.getStage().startsWith("topology/decode-"));
                assertEquals(GARBAGE.length, letter.getOriginalSize());
                assertTrue(letter.getTruncated());
                assertArrayEquals(java.util.Arrays.copyOf(GARBAGE, 8), bytes(letter.getValue()));
                assertEquals(0, letter.getOffset());
            }
            assertEquals("bad-1", new String(bytes(letters.get(0).getKey()), StandardCharsets.UTF_8));
            assertEquals(1, h.dispositions().count("dead_lettered.UNKNOWN_MAGIC_BYTE"), "only the request counts as a request");
        }
    }

    @Test
    void invalidTensorsAndMissingKeysAreDeadLetteredWithTheirReason() {
        try (TopologyHarness h = new TopologyHarness(Map.of())) {
            Tensor wrongShape = TensorCodec.encode(new float[] {1, 2, 3, 4}, 2, 2);
            wrongShape.setShape(List.of(3, 3));
            h.send(request("r1", wrongShape, 1000, Map.of()));
            Tensor nan = TensorCodec.encode(new float[] {1, Float.NaN, 3, 4}, 2, 2);
            h.send(request("r2", nan, 1000, Map.of()));
            InferenceRequest keyed = request("r3", 1f, 1000);
            h.sendRawRequest("other", h.serdes.requests().serializer().serialize(h.config.requestsTopic(), keyed));
            h.sendRawRequest(null, h.serdes.requests().serializer().serialize(h.config.requestsTopic(), keyed));
            List<String> reasons = h.deadLetters().stream().map(DeadLetter::getReasonCode).toList();
            assertEquals(List.of("INVALID_TENSOR_SHAPE", "NON_FINITE_VALUE", "INVALID_RECORD", "INVALID_RECORD"), reasons);
            assertEquals(4, h.dispositions().received());
            assertEquals(4, h.dispositions().decided());
        }
    }

    @Test
    void anInvalidSoftTargetIsDeadLetteredAndTheRequestWaitsForTheOthers() {
        try (TopologyHarness h = new TopologyHarness(Map.of())) {
            h.send(request("r1", 1f, 1000));
            h.send(label("r1", "cnn-a", Records.space("fashion-mnist", 1, 4), 0.7, 0.2, 0.1));
            List<DeadLetter> letters = h.deadLetters();
            assertEquals(1, letters.size());
            assertEquals("LABEL_SPACE_MISMATCH", letters.get(0).getReasonCode(), "3 probabilities for a 4-class space");
            h.send(label("r1", "cnn-a", 0.7, 0.2, 0.1));
            h.send(label("r1", "cnn-b", 0.7, 0.2, 0.1));
            assertEquals(1, h.examples().size());
        }
    }

    @Test
    void anUnreachableRegistryIsRetriedNeverDeadLettered() {
        try (TopologyHarness h = new TopologyHarness(Map.of())) {
            byte[] value = h.serdes.requests().serializer().serialize(h.config.requestsTopic(), request("r1", 1f, 1000));
            h.registry.setUnavailable(true);
            org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, () -> h.sendRawRequest("r1", value),
                    "the failure escapes to Kafka Streams, which retries the task");
            assertTrue(h.deadLetters().isEmpty());
        }
    }
}
