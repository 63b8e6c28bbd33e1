package io.distill.trainer.eval;

import io.distill.trainer.data.Sample;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HoldoutSetTest {

    @Test
    void keepsTheNewestExamplesAndAppliesLateLabels() {
        HoldoutSet set = new HoldoutSet(3);
        for (int i = 0; i < 5; i++) {
            set.add(new Sample("r" + i, new float[0], null, Sample.NO_LABEL, 1));
        }
        assertEquals(3, set.size());
        assertEquals("r2", set.snapshot().get(0).requestId());
        assertFalse(set.correct("r0", 1));
        assertTrue(set.correct("r4", 6));
        assertEquals(6, set.snapshot().get(2).hardLabel());
    }
}
