package io.distill.core.transactions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProducerRestartBudgetTest {

    private final AtomicLong now = new AtomicLong();
    private final ProducerRestartBudget budget = new ProducerRestartBudget(3, Duration.ofMinutes(10), now::get);

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void allowsMaxReplacementsWithinTheWindowThenRefuses() {
        assertTrue(budget.tryUse());
        advance(Duration.ofMinutes(1));
        assertTrue(budget.tryUse());
        advance(Duration.ofMinutes(1));
        assertTrue(budget.tryUse());
        assertEquals(3, budget.used());
        assertFalse(budget.tryUse(), "a fourth refusal within ten minutes");
        assertEquals(3, budget.used(), "a refused use takes nothing");
    }

    @Test
    void replacementsOlderThanTheWindowNoLongerCount() {
        budget.tryUse();
        advance(Duration.ofMinutes(4));
        budget.tryUse();
        budget.tryUse();
        assertFalse(budget.tryUse());
        advance(Duration.ofMinutes(6).plusSeconds(1)); // the first one is now older than ten minutes
        assertTrue(budget.tryUse());
        assertEquals(3, budget.used());
        assertFalse(budget.tryUse());
    }

    @Test
    void refusesAnInvalidBudget() {
        assertThrows(IllegalArgumentException.class, () -> new ProducerRestartBudget(-1, Duration.ofMinutes(1), now::get));
        assertThrows(IllegalArgumentException.class, () -> new ProducerRestartBudget(3, Duration.ZERO, now::get));
    }
}
