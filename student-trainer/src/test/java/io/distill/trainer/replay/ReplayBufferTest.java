package io.distill.trainer.replay;

import io.distill.trainer.data.Sample;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReplayBufferTest {

    private static Sample sample(int i) {
        return new Sample("r" + i, new float[]{i}, null, Sample.NO_LABEL, 1f);
    }

    @Test
    void staysBoundedAndKeepsAUniformSampleOfTheWholeStream() {
        int capacity = 100;
        int[] hitsPerDecile = new int[10];
        for (int run = 0; run < 200; run++) {
            ReplayBuffer buffer = new ReplayBuffer(capacity, run);
            for (int i = 0; i < 1000; i++) {
                buffer.offer(sample(i));
            }
            assertEquals(capacity, buffer.size());
            for (Sample s : buffer.sample(100)) {
                hitsPerDecile[(int) s.input()[0] / 100]++;
            }
        }
        // Each tenth of the stream should hold ~10% of the residents (2,000 draws per tenth expected).
        for (int hits : hitsPerDecile) {
            assertTrue(hits > 1700 && hits < 2300, "non-uniform reservoir: " + java.util.Arrays.toString(hitsPerDecile));
        }
    }

    @Test
    void lateLabelsReachResidentsOnly() {
        ReplayBuffer buffer = new ReplayBuffer(2, 7);
        Sample a = sample(1);
        buffer.offer(a);
        assertTrue(buffer.correct("r1", 4));
        assertEquals(4, a.hardLabel());
        assertFalse(buffer.correct("unknown", 3));
    }

    @Test
    void evictedSamplesNoLongerTakeCorrections() {
        ReplayBuffer buffer = new ReplayBuffer(1, 3);
        for (int i = 0; i < 50; i++) {
            buffer.offer(sample(i));
        }
        String resident = buffer.sample(1).get(0).requestId();
        int corrected = 0;
        for (int i = 0; i < 50; i++) {
            if (buffer.correct("r" + i, 1)) {
                corrected++;
                assertEquals(resident, "r" + i);
            }
        }
        assertEquals(1, corrected);
    }

    @Test
    void emptyOrZeroCapacityBufferReplaysNothing() {
        assertEquals(List.of(), new ReplayBuffer(10, 1).sample(5));
        ReplayBuffer none = new ReplayBuffer(0, 1);
        none.offer(sample(1));
        assertEquals(0, none.size());
        assertEquals(1, none.offered());
    }

    @Test
    void sampleDrawsWithReplacementFromResidents() {
        ReplayBuffer buffer = new ReplayBuffer(3, 1);
        for (int i = 0; i < 3; i++) {
            buffer.offer(sample(i));
        }
        Map<String, Integer> seen = new HashMap<>();
        for (Sample s : buffer.sample(300)) {
            seen.merge(s.requestId(), 1, Integer::sum);
        }
        assertEquals(3, seen.size());
    }
}
