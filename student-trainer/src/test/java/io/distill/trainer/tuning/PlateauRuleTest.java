package io.distill.trainer.tuning;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlateauRuleTest {

    @Test
    void movesToTheNextCandidateWhenTheLastWindowsGainedTooLittle() {
        PlateauRule rule = new PlateauRule(3, 2, 0.002);
        assertEquals(0, rule.first());
        assertEquals(0, rule.next(0, 0.05).arm());   // one window: not enough evidence
        assertEquals(0, rule.next(0, 0.03).arm());   // 0.08 over two windows
        assertEquals(0, rule.next(0, 0.001).arm());  // 0.031
        TuningPolicy.Choice moved = rule.next(0, 0.0005);  // 0.0015 < 0.002
        assertEquals(1, moved.arm());
        assertTrue(moved.reason().startsWith("plateau: gained +0.0015 over the last 2 window(s)"), moved.reason());
        // The new candidate gets its own patience.
        assertEquals(1, rule.next(1, -0.01).arm());
        assertEquals(2, rule.next(1, 0.0).arm());
    }

    @Test
    void keepsTheLastCandidateForGood() {
        PlateauRule rule = new PlateauRule(2, 1, 0.01);
        assertEquals(1, rule.next(0, 0.0).arm());
        for (int i = 0; i < 5; i++) {
            assertEquals(1, rule.next(1, -0.5).arm());
        }
    }
}
