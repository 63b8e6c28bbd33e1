package io.distill.core.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.distill.schema.DeadLetter;
import io.distill.schema.InferenceRequest;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.junit.IntegrationTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Services register their schemas lazily, often from several threads or processes at once (a trainer's example and
 * hold-out threads both dead-letter their first bad record at the same moment). The real registry answers the losers
 * of such a race with 409; each of them must still get the schema's id, never an "incompatible schema" error.
 */
@IntegrationTest
class ConcurrentRegistrationIntegrationTest {
  private static final int CLIENTS = 8;
  private static final int ROUNDS = 5;

  private final EmbeddedStack stack;

  ConcurrentRegistrationIntegrationTest(EmbeddedStack stack) {
    this.stack = stack;
  }

  @Test
  void concurrentFirstRegistrationsOfOneSchemaAllGetItsId() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
    try {
      for (int round = 0; round < ROUNDS; round++) {
        String subject = "race-" + UUID.randomUUID() + "-value";
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> ids = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
          // one client each, so that no cache hides the race
          HttpRegistryClient client = HttpRegistryClient.create(stack.registryUrl());
          ids.add(pool.submit(() -> {
            start.await();
            return client.register(subject, DeadLetter.getClassSchema());
          }));
        }
        start.countDown();
        Set<Integer> distinct = new TreeSet<>();
        for (Future<Integer> id : ids) {
          distinct.add(id.get());
        }
        int registered = HttpRegistryClient.create(stack.registryUrl()).latest(subject).id();
        assertEquals(Set.of(registered), distinct, "round " + round + ": every client got the registered id");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aGenuinelyIncompatibleSchemaIsStillRefused() {
    HttpRegistryClient client = HttpRegistryClient.create(stack.registryUrl());
    String subject = "race-incompatible-" + UUID.randomUUID() + "-value";
    client.register(subject, DeadLetter.getClassSchema());
    client.setCompatibility(subject, Compatibility.BACKWARD);
    // another record type under the same subject breaks BACKWARD compatibility and is not registered there
    assertThrows(IncompatibleSchemaException.class, () -> client.register(subject, InferenceRequest.getClassSchema()));
  }
}
