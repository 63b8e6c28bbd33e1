package io.distill.teacher.service;

import io.distill.core.compute.IntraOpThreads;
import io.distill.teacher.model.TeacherInference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dynamic micro-batching in front of a teacher. Inputs are queued; each worker thread (with its own
 * {@link TeacherInference}, i.e. its own DJL predictor) takes the oldest input and then waits for
 * more until it has {@code maxBatchSize} inputs or the oldest has waited {@code maxWait}, whichever
 * comes first, and runs them as one forward pass. Under load batches fill up at once; with a
 * trickle of requests an input waits at most {@code maxWait}.
 *
 * <p>The queue itself is unbounded: the caller bounds the work it hands in (the service pauses its
 * consumer when too much is in flight).
 */
public final class MicroBatcher implements AutoCloseable {

    /** Observes every batch run (for metrics). */
    public interface BatchObserver {
        void batchDone(int size, long inferenceNanos, boolean failed);
    }

    private static final Logger log = LoggerFactory.getLogger(MicroBatcher.class);

    private record Job(float[] input, long enqueuedNanos, CompletableFuture<InferenceResult> result) {}

    private final BlockingQueue<Job> queue = new LinkedBlockingQueue<>();
    private final int maxBatchSize;
    private final long maxWaitNanos;
    private final BatchObserver observer;
    private final List<Thread> workers = new ArrayList<>();
    private final CountDownLatch started;
    private volatile boolean accepting = true;
    private volatile Throwable startFailure;

    /**
     * Starts the worker threads.
     *
     * @param name thread name prefix
     * @param inferences creates one inference handle per worker (called on the worker thread)
     * @param workerCount number of worker threads
     * @param maxBatchSize largest batch
     * @param maxWait longest time the oldest input of a batch waits for more
     * @param observer receives every batch's size and time
     */
    public MicroBatcher(String name, Supplier<TeacherInference> inferences, int workerCount, int maxBatchSize,
            Duration maxWait, BatchObserver observer) {
        if (workerCount < 1 || maxBatchSize < 1 || maxWait.isNegative()) {
            throw new IllegalArgumentException("need at least one worker, a batch size of at least 1 and a wait >= 0");
        }
        this.maxBatchSize = maxBatchSize;
        this.maxWaitNanos = maxWait.toNanos();
        this.observer = observer;
        this.started = new CountDownLatch(workerCount);
        for (int i = 0; i < workerCount; i++) {
            Thread t = new Thread(() -> work(inferences), name + "-worker-" + i);
            t.setDaemon(true);
            workers.add(t);
            t.start();
        }
        try {
            started.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (startFailure != null) {
            close();
            throw new IllegalStateException("teacher workers failed to start: " + startFailure.getMessage(), startFailure);
        }
    }

    /**
     * Queues one input.
     *
     * @param input the decoded input
     * @return completes with the teacher's answer, or exceptionally when inference failed
     * @throws RejectedExecutionException after {@link #close()}
     */
    public CompletableFuture<InferenceResult> submit(float[] input) {
        if (!accepting) {
            throw new RejectedExecutionException("the micro-batcher is closed");
        }
        CompletableFuture<InferenceResult> result = new CompletableFuture<>();
        queue.add(new Job(input, System.nanoTime(), result));
        return result;
    }

    /** @return inputs waiting for a worker */
    public int queued() {
        return queue.size();
    }

    private void work(Supplier<TeacherInference> inferences) {
        IntraOpThreads.applyToCurrentThread();
        TeacherInference inference;
        try {
            inference = inferences.get();
        } catch (RuntimeException | Error e) {
            startFailure = e;
            started.countDown();
            return;
        }
        started.countDown();
        try (inference) {
            List<Job> batch = new ArrayList<>(maxBatchSize);
            while (accepting || !queue.isEmpty()) {
                Job first = queue.poll(50, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                long deadline = first.enqueuedNanos() + maxWaitNanos;
                while (batch.size() < maxBatchSize) {
                    long left = deadline - System.nanoTime();
                    Job next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : queue.poll();
                    if (next == null) {
                        break;
                    }
                    batch.add(next);
                }
                run(inference, batch);
                batch.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run(TeacherInference inference, List<Job> batch) {
        float[][] inputs = new float[batch.size()][];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = batch.get(i).input();
        }
        long start = System.nanoTime();
        try {
            float[][] out = inference.logProbabilities(inputs);
            long nanos = System.nanoTime() - start;
            observer.batchDone(inputs.length, nanos, false);
            long micros = TimeUnit.NANOSECONDS.toMicros(nanos);
            for (int i = 0; i < out.length; i++) {
                batch.get(i).result().complete(new InferenceResult(out[i], micros, inputs.length));
            }
        } catch (Exception | Error e) {
            observer.batchDone(inputs.length, System.nanoTime() - start, true);
            log.warn("teacher inference failed on a batch of {}: {}", inputs.length, e.toString());
            for (Job job : batch) {
                job.result().completeExceptionally(e);
            }
        }
    }

    /** Stops taking inputs, lets the workers finish every queued input, and waits for them. */
    @Override
    public void close() {
        accepting = false;
        for (Thread t : workers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
