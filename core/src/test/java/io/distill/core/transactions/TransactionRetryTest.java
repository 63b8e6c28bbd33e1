package io.distill.core.transactions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

class TransactionRetryTest {

  @Test
  void aTimedOutCallIsCalledAgainUntilItCompletes() {
    AtomicInteger calls = new AtomicInteger();
    int retries = TransactionRetry.untilDone("commit", () -> {
      if (calls.incrementAndGet() <= 2) {
        throw new TimeoutException("coordinator not available");
      }
    }, () -> true);
    assertEquals(2, retries);
    assertEquals(3, calls.get());
  }

  @Test
  void whenStoppingTheTimeoutIsThrownInsteadOfRetried() {
    AtomicInteger calls = new AtomicInteger();
    assertThrows(TimeoutException.class, () -> TransactionRetry.untilDone("commit", () -> {
      calls.incrementAndGet();
      throw new TimeoutException("broker down");
    }, () -> false));
    assertEquals(1, calls.get());
  }

  @Test
  void otherErrorsPassThroughAtOnce() {
    AtomicInteger calls = new AtomicInteger();
    assertThrows(ProducerFencedException.class, () -> TransactionRetry.untilDone("commit", () -> {
      calls.incrementAndGet();
      throw new ProducerFencedException("another instance");
    }, () -> true));
    assertEquals(1, calls.get());
  }
}
