package io.distill.topology;

import static io.distill.topology.testkit.Records.label;
import static io.distill.topology.testkit.Records.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.schema.DeadLetter;
import io.distill.schema.SoftLabel;
import io.distill.topology.testkit.Records;
import io.distill.topology.testkit.TopologyHarness;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LabelSpaceRefusalTest {

    @ParameterizedTest
    @ValueSource(strings = {"id", "version"})
    void outputsOverDifferentLabelSpacesAreNotCombined(String differs) {
        try (TopologyHarness h = new TopologyHarness(Map.of())) {
            var other = differs.equals("id") ? Records.space("mnist", 1, 3) : Records.space("fashion-mnist", 2, 3);
            h.send(request("r1", 1f, 1000));
            h.send(label("r1", "cnn-a", 0.7, 0.2, 0.1));
            h.send(label("r1", "cnn-b", other, 0.7, 0.2, 0.1));
            assertTrue(h.examples().isEmpty());
            List<DeadLetter> letters = h.deadLetters();
            assertEquals(1, letters.size());
            DeadLetter letter = letters.get(0);
            assertEquals("LABEL_SPACE_MISMATCH", letter.getReasonCode());
            assertEquals("topology/ensemble", letter.getStage());
            assertTrue(letter.getReason().contains("cnn-a") && letter.getReason().contains("cnn-b"), letter.getReason());
            byte[] raw = new byte[letter.getValue().remaining()];
            letter.getValue().duplicate().get(raw);
            SoftLabel offending = h.serdes.softLabels().deserializer().deserialize("t", raw);
            assertEquals("cnn-b", offending.getTeacherId());
            assertEquals(1, h.dispositions().count("dead_lettered.LABEL_SPACE_MISMATCH"));
        }
    }

    @Test
    void sameLabelSpaceCombines() {
        try (TopologyHarness h = new TopologyHarness(Map.of())) {
            h.send(request("r1", 1f, 1000));
            h.send(label("r1", "cnn-a", 0.7, 0.2, 0.1));
            h.send(label("r1", "cnn-b", Records.space("fashion-mnist", 1, 3), 0.7, 0.2, 0.1));
            assertEquals(1, h.examples().size());
            assertTrue(h.deadLetters().isEmpty());
        }
    }

    @Test
    void sameLabelSpaceOfDifferentSizesIsRefusedToo() {
        try (TopologyHarness h = new TopologyHarness(Map.of())) {
            var unnamed = io.distill.schema.LabelSpace.newBuilder().setId("fashion-mnist").setVersion(1)
                    .setClassNames(List.of()).build();
            h.send(request("r1", 1f, 1000));
            h.send(label("r1", "cnn-a", unnamed, 0.7, 0.2, 0.1));
            h.send(label("r1", "cnn-b", unnamed, 0.7, 0.2, 0.05, 0.05));
            assertTrue(h.examples().isEmpty());
            assertEquals("LABEL_SPACE_MISMATCH", h.deadLetters().get(0).getReasonCode());
            h.send(request("r2", 2f, 1000));
            h.send(label("r2", "cnn-a", 0.7, 0.2, 0.1));
            h.send(label("r2", "cnn-b", 0.7, 0.2, 0.1));
            assertEquals(1, h.examples().size(), "the application goes on");
        }
    }
}
