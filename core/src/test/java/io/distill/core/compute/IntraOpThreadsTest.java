package io.distill.core.compute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A thread that was not the engine's first one runs its operators with the configured intra-op thread count once
 * {@link IntraOpThreads} applied it: the process then uses at most about one core's CPU time per second of a
 * matrix-product loop on that thread (on a multi-core machine the same loop on a fresh thread without it uses one
 * OpenMP thread per core).
 */
class IntraOpThreadsTest {
  private String before;

  @BeforeEach
  void configureOneThread() {
    before = System.getProperty("ai.djl.pytorch.num_threads");
    System.setProperty("ai.djl.pytorch.num_threads", "1");
    Engine.getEngine("PyTorch");
  }

  @AfterEach
  void restore() {
    if (before == null) {
      System.clearProperty("ai.djl.pytorch.num_threads");
    } else {
      System.setProperty("ai.djl.pytorch.num_threads", before);
    }
  }

  @Test
  void readsTheConfiguredCount() {
    assertEquals(1, IntraOpThreads.configured());
    System.setProperty("ai.djl.pytorch.num_threads", "0");
    assertEquals(0, IntraOpThreads.configured(), "0 or less means PyTorch's default");
  }

  @Test
  void aFreshThreadRunsOperatorsOnTheConfiguredThreadCount() throws Exception {
    double[] cpuPerWall = new double[1];
    Thread t = new Thread(() -> {
      IntraOpThreads.applyToCurrentThread();
      IntraOpThreads.applyToCurrentThread(); // once per thread; a second call is a no-op
      cpuPerWall[0] = cpuPerWallOfMatrixProducts();
    }, "fresh-model-thread");
    t.start();
    t.join();
    // one intra-op thread cannot use more than one core; JIT and GC threads add a little
    assertTrue(cpuPerWall[0] < 1.4, "process CPU per wall second " + cpuPerWall[0]);
  }

  private static double cpuPerWallOfMatrixProducts() {
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = m.randomUniform(0, 1, new Shape(600, 600));
      for (int i = 0; i < 5; i++) {
        x.matMul(x).close();
      }
      long cpu = os.getProcessCpuTime();
      long wall = System.nanoTime();
      for (int i = 0; i < 60; i++) {
        x.matMul(x).close();
      }
      return (double) (os.getProcessCpuTime() - cpu) / (System.nanoTime() - wall);
    }
  }
}
