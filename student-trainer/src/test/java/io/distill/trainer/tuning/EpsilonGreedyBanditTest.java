package io.distill.trainer.tuning;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EpsilonGreedyBanditTest {

    /**
     * Gains that shrink over time for every candidate (a converging student), with candidate {@code best} gaining a
     * little more than the others in the same period, plus seeded noise.
     */
    private static List<Integer> play(long banditSeed, long noiseSeed, int arms, int best, int windows) {
        EpsilonGreedyBandit bandit = new EpsilonGreedyBandit(arms, 0.1, 0.3, 0.5, banditSeed);
        Random noise = new Random(noiseSeed);
        List<Integer> played = new ArrayList<>();
        int arm = bandit.first();
        for (int t = 0; t < windows; t++) {
            played.add(arm);
            double gain = 0.05 / (1 + t) + (arm == best ? 0.004 : 0) + noise.nextGaussian() * 0.001;
            arm = bandit.next(arm, gain).arm();
        }
        return played;
    }

    @Test
    void triesEveryCandidateOnceInOrderAfterTheBaselineWindow() {
        List<Integer> played = play(1, 2, 5, 3, 20);
        assertEquals(List.of(0, 0, 1, 2, 3, 4), played.subList(0, 6));
    }

    @Test
    void settlesOnTheCandidateWithTheLargestAdvantageDespiteShrinkingGains() {
        List<Integer> played = play(7, 11, 5, 3, 200);
        long[] counts = new long[5];
        played.subList(100, 200).forEach(a -> counts[a]++);
        for (int a = 0; a < 5; a++) {
            assertTrue(a == 3 || counts[a] < counts[3], "candidate " + a + " played more than 3: " + played);
        }
        assertTrue(counts[3] >= 60, "candidate 3 played " + counts[3] + " of the last 100 windows: " + played);
        assertEquals(3, played.get(6), "found after the first round");
    }

    @Test
    void choicesAreReproducibleForASeedAndDependOnIt() {
        assertEquals(play(5, 9, 4, 1, 80), play(5, 9, 4, 1, 80));
        assertNotEquals(play(5, 9, 4, 1, 80), play(6, 9, 4, 1, 80));
    }

    @Test
    void theFirstWindowStartsTheBaselineAndLaterGainsAreMeasuredAgainstIt() {
        EpsilonGreedyBandit bandit = new EpsilonGreedyBandit(2, 0, 1.0, 0.5, 1);
        assertEquals(0, bandit.next(0, 0.10).arm());   // baseline 0.10; candidate 0 still untried
        assertEquals(0, bandit.plays()[0]);
        assertEquals(1, bandit.next(0, 0.06).arm());   // advantage -0.04, baseline 0.08
        assertEquals(-0.04, bandit.values()[0], 1e-12);
        TuningPolicy.Choice c = bandit.next(1, 0.07);  // advantage -0.01, baseline 0.075
        assertEquals(-0.01, bandit.values()[1], 1e-12);
        assertEquals(1, c.arm());
        assertTrue(c.reason().startsWith("best value"), c.reason());
        bandit.next(1, 0.035);                         // advantage -0.04, step 1: value replaced
        assertEquals(-0.04, bandit.values()[1], 1e-12);
        assertEquals(-0.04 * (1 - EpsilonGreedyBandit.FORGET) * (1 - EpsilonGreedyBandit.FORGET),
                bandit.values()[0], 1e-12, "the value of a candidate not played fades");
    }
}
