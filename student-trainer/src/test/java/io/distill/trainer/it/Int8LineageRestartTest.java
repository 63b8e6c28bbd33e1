package io.distill.trainer.it;

import io.distill.schema.CheckpointManifest;
import io.distill.schema.Precision;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.junit.IntegrationTest;
import io.distill.trainer.publish.Lineage;
import io.distill.trainer.service.TrainerService;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code trainer.checkpoint.format=int8}: the lineage itself is int8 (no optimizer state in the blob); a restarted
 * trainer resumes from the dequantized weights at exactly the manifest's offsets and continues the lineage.
 */
@IntegrationTest
class Int8LineageRestartTest {

    @Test
    void anInt8LineageResumesFromItsDequantizedWeights(EmbeddedStack stack) throws Exception {
        try (StreamFixture f = new StreamFixture(stack, "trainer-int8")) {
            f.sendHoldout(1000);
            f.sendTrain(0, 2000, y -> y);
            String model = "fashion-int8";
            Map<String, String> config = f.trainerConfig(model);
            config.put("trainer.checkpoint.format", "int8");
            config.put("trainer.qad", "true");
            config.put("trainer.max.samples", "1600");

            TrainerService first = f.service(config);
            try {
                first.start();
                first.run();
            } finally {
                first.close();
            }
            CheckpointManifest v1 = f.lineage(model).newest().orElseThrow();
            assertEquals(Precision.INT8, v1.getFormat().getPrecision());
            assertTrue(v1.getMetrics().get("agreement") > 0.5, "int8 hold-out metrics " + v1.getMetrics());

            f.sendTrain(2000, 2000, y -> y);
            config.put("trainer.max.samples", Long.toString(v1.getSamplesSeen() + 1600));
            TrainerService second = f.service(config);
            try {
                second.start();
                assertEquals(v1.getVersion(), second.publishedVersion());
                assertEquals(Lineage.untilOffsets(v1), second.startPositions(), "resumes at the manifest's offsets");
                assertEquals(v1.getStep(), second.optimizerSteps(),
                        "the lineage's step count continues although an int8 checkpoint carries no optimizer state");
                second.run();
            } finally {
                second.close();
            }
            List<CheckpointManifest> lineage = f.manifests(model);
            assertTrue(lineage.size() >= 2, "a second version was published: " + lineage.size());
            TrainerServiceTest.assertLineage(lineage);
            lineage.forEach(m -> assertEquals(Precision.INT8, m.getFormat().getPrecision()));
        }
    }
}
