package io.distill.serving.model;

import ai.djl.Device;
import io.distill.serving.testing.InMemoryCheckpoints;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelSlotTest {

    private final InMemoryCheckpoints store = new InMemoryCheckpoints();
    private final CheckpointLoader loader = new CheckpointLoader(
            ServingContract.parse("fashion-mnist:1", List.of(), "784"), store, new CoreNetworkRestorer(Device.cpu()));

    private LoadedModel load(long version) throws CheckpointRefusedException {
        return loader.load(store.publish("student", version));
    }

    @Test
    void noLeaseBeforeTheFirstVersion() {
        ModelSlot slot = new ModelSlot("student");
        assertThrows(ModelNotLoadedException.class, slot::lease);
        assertEquals(-1, slot.currentVersion());
    }

    @Test
    void anInFlightRequestFinishesOnTheOldVersionWhichClosesAfterwards() throws Exception {
        ModelSlot slot = new ModelSlot("student");
        LoadedModel v1 = load(1);
        slot.swap(v1);
        ModelLease inFlight = slot.lease();
        LoadedModel v2 = load(2);
        slot.swap(v2);
        assertFalse(v1.isClosed(), "v1 must stay open while a request holds it");
        assertEquals(1, inFlight.version());
        assertEquals(10, inFlight.predict(new float[1][784])[0].length);
        try (ModelLease next = slot.lease()) {
            assertEquals(2, next.version());
        }
        inFlight.close();
        assertTrue(v1.isClosed(), "v1 closes when its last request is done");
        assertFalse(v2.isClosed());
        slot.clear();
        assertTrue(v2.isClosed());
    }

    @Test
    void concurrentRequestsDuringSwapsNeverFailAndNeverGoBackwards() throws Exception {
        ModelSlot slot = new ModelSlot("student");
        slot.swap(load(1));
        AtomicBoolean swapping = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        List<Future<Integer>> workers = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            workers.add(pool.submit(() -> {
                long last = 0;
                int answered = 0;
                while (swapping.get()) {
                    try (ModelLease lease = slot.lease()) {
                        float[][] out = lease.predict(new float[2][784]);
                        assertEquals(2, out.length);
                        if (lease.version() < last) {
                            throw new AssertionError("went back from v" + last + " to v" + lease.version());
                        }
                        last = lease.version();
                        answered++;
                    }
                }
                return answered;
            }));
        }
        List<LoadedModel> loaded = new ArrayList<>();
        for (long v = 2; v <= 12; v++) {
            LoadedModel m = load(v);
            loaded.add(m);
            slot.swap(m);
            Thread.sleep(5);
        }
        swapping.set(false);
        int total = 0;
        for (Future<Integer> w : workers) {
            total += w.get(30, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertTrue(total > 0);
        for (int i = 0; i < loaded.size() - 1; i++) {
            assertTrue(loaded.get(i).isClosed(), "every replaced version is closed once idle");
        }
        assertEquals(12, slot.currentVersion());
        slot.clear();
    }
}
