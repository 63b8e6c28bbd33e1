package io.distill.teacher.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.teacher.TestTeachers;
import io.distill.teacher.model.TeacherModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MicroBatcherTest {

    private static TeacherModel teacher;

    @BeforeAll
    static void load() {
        teacher = TestTeachers.tiny("tiny-a", 1);
    }

    @AfterAll
    static void close() {
        teacher.close();
    }

    private static float[] image(int seed) {
        float[] x = new float[28 * 28];
        for (int i = 0; i < x.length; i++) {
            x[i] = ((i * 31 + seed * 17) % 255) / 255f;
        }
        return x;
    }

    @Test
    void aBacklogIsRunInFullBatches() throws Exception {
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        // The single worker is kept busy by a slow first batch while the backlog queues up.
        try (MicroBatcher batcher = new MicroBatcher("test", () -> new SlowedInference(teacher.newInference(),
                Duration.ofMillis(200)), 1, 16, Duration.ofMillis(50), (n, nanos, failed) -> sizes.add(n))) {
            List<CompletableFuture<InferenceResult>> results = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                results.add(batcher.submit(image(i)));
            }
            for (CompletableFuture<InferenceResult> r : results) {
                InferenceResult result = r.get(30, TimeUnit.SECONDS);
                assertEquals(10, result.logProbs().length);
                double sum = 0;
                for (float lp : result.logProbs()) {
                    sum += Math.exp(lp);
                }
                assertEquals(1.0, sum, 1e-4);
            }
        }
        assertEquals(64, sizes.stream().mapToInt(Integer::intValue).sum());
        assertTrue(sizes.stream().allMatch(n -> n <= 16), "no batch exceeds the maximum: " + sizes);
        assertTrue(sizes.stream().filter(n -> n == 16).count() >= 3, "the backlog ran in full batches: " + sizes);
    }

    @Test
    void aLoneRequestWaitsNoLongerThanTheMaximumWait() throws Exception {
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        try (MicroBatcher batcher = new MicroBatcher("test", teacher::newInference, 2, 32, Duration.ofMillis(20),
                (n, nanos, failed) -> sizes.add(n))) {
            InferenceResult result = batcher.submit(image(1)).get(10, TimeUnit.SECONDS);
            assertEquals(1, result.batchSize());
        }
        assertEquals(List.of(1), sizes);
    }

    @Test
    void batchingDoesNotChangeTheAnswers() throws Exception {
        float[][] inputs = {image(1), image(2), image(3)};
        float[][] alone = new float[3][];
        try (var inference = teacher.newInference()) {
            for (int i = 0; i < 3; i++) {
                alone[i] = inference.logProbabilities(new float[][] {inputs[i]})[0];
            }
        }
        try (MicroBatcher batcher = new MicroBatcher("test", teacher::newInference, 1, 8, Duration.ofMillis(100),
                (n, nanos, failed) -> { })) {
            List<CompletableFuture<InferenceResult>> results = new ArrayList<>();
            for (float[] x : inputs) {
                results.add(batcher.submit(x));
            }
            for (int i = 0; i < 3; i++) {
                float[] batched = results.get(i).get(10, TimeUnit.SECONDS).logProbs();
                for (int c = 0; c < 10; c++) {
                    assertEquals(alone[i][c], batched[c], 1e-4);
                }
            }
        }
    }

    @Test
    void closeFinishesQueuedWorkAndThenRefusesMore() throws Exception {
        MicroBatcher batcher = new MicroBatcher("test", () -> new SlowedInference(teacher.newInference(),
                Duration.ofMillis(50)), 1, 4, Duration.ofMillis(1), (n, nanos, failed) -> { });
        List<CompletableFuture<InferenceResult>> results = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            results.add(batcher.submit(image(i)));
        }
        batcher.close();
        assertTrue(results.stream().allMatch(CompletableFuture::isDone), "close drained every queued input");
        assertThrows(RejectedExecutionException.class, () -> batcher.submit(image(0)));
    }

    @Test
    void aFailingBatchFailsItsInputsOnly() throws Exception {
        try (MicroBatcher batcher = new MicroBatcher("test", teacher::newInference, 1, 4, Duration.ofMillis(1),
                (n, nanos, failed) -> { })) {
            CompletableFuture<InferenceResult> bad = batcher.submit(new float[3]);
            assertThrows(Exception.class, () -> bad.get(10, TimeUnit.SECONDS));
            assertEquals(10, batcher.submit(image(1)).get(10, TimeUnit.SECONDS).logProbs().length);
        }
    }
}
