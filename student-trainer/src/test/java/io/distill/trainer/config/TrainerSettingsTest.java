package io.distill.trainer.config;

import io.distill.core.architecture.ArchitectureSpec;
import io.distill.core.config.DistillConfig;
import io.distill.trainer.adaptive.AdaptiveWeighting;
import io.distill.trainer.tuning.DistillationSetting;
import io.distill.trainer.tuning.TuningMode;
import io.distill.trainer.tuning.TuningObjective;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerSettingsTest {

    @Test
    void defaultsDescribeTheReferenceStudent() {
        TrainerSettings s = TrainerSettings.fromConfig(DistillConfig.of(TrainerSettings.DEFAULTS));
        assertEquals(ArchitectureSpec.mlp(List.of(800, 800), 0.0), s.architecture());
        assertEquals(128, s.batchSize());
        assertNull(s.inputShape());
        assertEquals(2000, s.gate().minHoldout());
        assertEquals("distill-trainer-fashion-student", s.transactionalId());
        assertEquals(4.0, s.schedule().at(0).temperature());
        assertEquals(TuningMode.OFF, s.tuning().mode());
        assertEquals(6, s.tuning().grid().size());
        assertEquals(10, s.retainVersions());
    }

    @Test
    void selfTuningKeys() {
        Map<String, String> c = new HashMap<>(TrainerSettings.DEFAULTS);
        c.put("trainer.tuning", "Plateau");
        c.put("trainer.tuning.grid", "4:0.9, 1:0.5");
        c.put("trainer.tuning.objective", "kl");
        c.put("trainer.tuning.window.samples", "1000");
        c.put("trainer.retain.versions", "0");
        TrainerSettings s = TrainerSettings.fromConfig(DistillConfig.of(c));
        assertEquals(TuningMode.PLATEAU, s.tuning().mode());
        assertEquals(List.of(new DistillationSetting(4, 0.9), new DistillationSetting(1, 0.5)), s.tuning().grid());
        assertEquals(TuningObjective.KL, s.tuning().objective());
        assertEquals(1000, s.tuning().windowSamples());
        assertEquals(0, s.retainVersions());
        c.put("trainer.tuning.grid", "4:1.5");
        assertThrows(IllegalArgumentException.class, () -> TrainerSettings.fromConfig(DistillConfig.of(c)));
        c.put("trainer.tuning.grid", "4:0.9,4:0.9");
        assertThrows(IllegalArgumentException.class, () -> TrainerSettings.fromConfig(DistillConfig.of(c)));
    }

    @Test
    void keysOverrideDefaults() {
        Map<String, String> c = new HashMap<>(TrainerSettings.DEFAULTS);
        c.put("trainer.architecture", "cnn:16,32/k5/d64");
        c.put("trainer.input.shape", "1,28,28");
        c.put("trainer.adaptive", "disagreement");
        c.put("trainer.distillation.schedule", "0:4:0.9,1000:1:0.5");
        c.put("trainer.distillation.interpolation", "linear");
        TrainerSettings s = TrainerSettings.fromConfig(DistillConfig.of(c));
        assertEquals(ArchitectureSpec.cnn(List.of(16, 32), 5, 64, 0.0), s.architecture());
        assertArrayEquals(new int[]{1, 28, 28}, s.inputShape());
        assertEquals(AdaptiveWeighting.DISAGREEMENT, s.adaptive());
        assertEquals(2.5, s.schedule().at(500).temperature(), 1e-9);
    }

    @Test
    void architectureShortForms() {
        assertEquals(ArchitectureSpec.mlp(List.of(64), 0.1), ArchitectureSpecs.parse("mlp:64", 0.1));
        assertEquals(ArchitectureSpec.mlp(List.of(10, 20), 0.0),
                ArchitectureSpecs.parse("mlp:{\"hidden\":[10,20],\"dropout\":0.0}", 0.3));
        assertThrows(IllegalArgumentException.class, () -> ArchitectureSpecs.parse("mlp", 0));
        assertThrows(IllegalArgumentException.class, () -> ArchitectureSpecs.parse("cnn:8/x3", 0));
    }

    @Test
    void aSiteTrainerPublishesUnderItsSiteAndFollowsTheOtherSites() {
        Map<String, String> c = new java.util.HashMap<>(TrainerSettings.DEFAULTS);
        c.put("topics.sites", "a,b,c");
        c.put("trainer.site", "b");
        c.put("trainer.model", "student");
        c.put("trainer.codistill.beta", "0.5");
        TrainerSettings s = TrainerSettings.fromConfig(DistillConfig.of(c));
        assertEquals("student.site-b", s.model());
        assertEquals("distill-trainer-student.site-b", s.transactionalId());
        assertEquals(java.util.List.of("student.site-a", "student.site-c"), s.federation().peerModels());
        assertEquals(0.5, s.federation().beta());
        assertTrue(s.federation().codistills());
        assertEquals(null, TrainerSettings.fromConfig(DistillConfig.of(TrainerSettings.DEFAULTS)).federation());

        c.put("trainer.codistill.beta", "0");
        assertFalse(TrainerSettings.fromConfig(DistillConfig.of(c)).federation().codistills());
        c.put("trainer.site", "z");
        io.distill.core.config.ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(
                io.distill.core.config.ConfigException.class, () -> TrainerSettings.fromConfig(DistillConfig.of(c)));
        assertTrue(e.getMessage().contains("'z'"), e.getMessage());
    }

    @Test
    void unlabelledExamplesAreUsedOnlyWhenAskedForAndCodistilling() {
        Map<String, String> c = new java.util.HashMap<>(TrainerSettings.DEFAULTS);
        c.put("topics.sites", "a,b");
        c.put("trainer.site", "a");
        assertFalse(TrainerSettings.fromConfig(DistillConfig.of(c)).federation().usesUnlabelled(), "default: refuse");
        c.put("trainer.codistill.unlabelled", "use");
        c.put("trainer.codistill.unlabelled.min.confidence", "0.6");
        Federation f = TrainerSettings.fromConfig(DistillConfig.of(c)).federation();
        assertTrue(f.usesUnlabelled());
        assertEquals(0.6, f.unlabelledMinConfidence());
        c.put("trainer.codistill.beta", "0");
        assertFalse(TrainerSettings.fromConfig(DistillConfig.of(c)).federation().usesUnlabelled(),
                "a trainer without peers has nothing to learn from an unlabelled example");
        c.put("trainer.codistill.unlabelled", "maybe");
        org.junit.jupiter.api.Assertions.assertThrows(io.distill.core.config.ConfigException.class,
                () -> TrainerSettings.fromConfig(DistillConfig.of(c)));
        c.put("trainer.codistill.unlabelled", "use");
        c.put("trainer.codistill.unlabelled.min.confidence", "1.5");
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> TrainerSettings.fromConfig(DistillConfig.of(c)));
    }
}
