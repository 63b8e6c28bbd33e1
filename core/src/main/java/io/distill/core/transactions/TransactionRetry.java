package io.distill.core.transactions;

import java.util.function.BooleanSupplier;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finishes a transactional producer call that timed out by calling it again, never by aborting.
 *
 * <p>When {@code commitTransaction()} times out (a broker restarting, a coordinator moving), the commit may still
 * complete on the broker: the coordinator may already have written its prepare-commit marker. Aborting and
 * re-processing the input would then produce every output a second time once the first commit lands. Kafka's
 * producer lets the same call be retried after a {@link TimeoutException} and resumes it where it stopped, so that is
 * the only safe reaction; {@code abortTransaction()} is not even allowed in that state. The same holds for
 * {@code sendOffsetsToTransaction}. Fatal errors (fenced, authorization) and abortable ones pass through unchanged.
 */
public final class TransactionRetry {

  private static final Logger log = LoggerFactory.getLogger(TransactionRetry.class);
  private static final long MAX_BACKOFF_MS = 5_000;

  /** A producer call that may time out, e.g. {@code producer::commitTransaction}. */
  @FunctionalInterface
  public interface Call {
    void run();
  }

  private TransactionRetry() {}

  /**
   * Runs {@code call}, and again after each {@link TimeoutException} (with backoff from 100 ms to 5 s) while {@code
   * keepTrying} says so.
   *
   * @param what        for the log lines, e.g. "teacher cnn-a: commit"
   * @param keepTrying  false to give up (e.g. the service is stopping): the last timeout is then thrown, and the
   *                    transaction's outcome is left to the coordinator (the producer must be closed, not aborted)
   * @return how many timeouts were retried
   */
  public static int untilDone(String what, Call call, BooleanSupplier keepTrying) {
    long backoffMs = 100;
    int retries = 0;
    while (true) {
      try {
        call.run();
        if (retries > 0) {
          log.info("{} completed after {} timed-out attempt(s)", what, retries);
        }
        return retries;
      } catch (TimeoutException e) {
        if (!keepTrying.getAsBoolean()) {
          log.warn("{} timed out and is not retried (stopping); its outcome is left to the transaction coordinator", what);
          throw e;
        }
        retries++;
        log.warn("{} timed out ({}); calling it again in {} ms, never aborting: it may have completed on the broker",
            what, e.getMessage(), backoffMs);
        try {
          Thread.sleep(backoffMs);
        } catch (InterruptedException ie) {
          throw new InterruptException(ie);
        }
        backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
      }
    }
  }
}
