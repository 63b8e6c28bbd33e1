package io.distill.teacher.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RequestSamplerTest {

    @Test
    void sameKeyAlwaysGetsSameDecision() {
        RequestSampler a = new RequestSampler(0.3);
        RequestSampler b = new RequestSampler(0.3);
        for (int i = 0; i < 1000; i++) {
            String key = "sample-" + i;
            assertEquals(a.accepts(key), b.accepts(key), key);
            assertEquals(a.accepts(key), a.accepts(key), key);
        }
    }

    @Test
    void acceptsAboutTheConfiguredFraction() {
        RequestSampler sampler = new RequestSampler(0.25);
        int accepted = 0;
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            if (sampler.accepts(Integer.toHexString(i * 7919))) {
                accepted++;
            }
        }
        double share = accepted / (double) n;
        assertTrue(share > 0.23 && share < 0.27, "accepted share " + share);
    }

    @Test
    void smallerFractionAcceptsASubsetOfALargerOne() {
        RequestSampler small = new RequestSampler(0.1);
        RequestSampler large = new RequestSampler(0.5);
        for (int i = 0; i < 5000; i++) {
            String key = "k" + i;
            if (small.accepts(key)) {
                assertTrue(large.accepts(key), key);
            }
        }
    }

    @Test
    void extremesAreExact() {
        RequestSampler all = new RequestSampler(1.0);
        RequestSampler none = new RequestSampler(0.0);
        for (int i = 0; i < 1000; i++) {
            assertTrue(all.accepts("x" + i));
            assertFalse(none.accepts("x" + i));
        }
    }

    @Test
    void rejectsFractionsOutsideTheUnitInterval() {
        assertThrows(IllegalArgumentException.class, () -> new RequestSampler(1.5));
        assertThrows(IllegalArgumentException.class, () -> new RequestSampler(-0.1));
        assertThrows(IllegalArgumentException.class, () -> new RequestSampler(Double.NaN));
    }
}
