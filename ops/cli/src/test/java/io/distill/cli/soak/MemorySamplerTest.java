package io.distill.cli.soak;

import io.distill.core.metrics.ServiceEndpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sampler on this JVM: its RSS from /proc and its memory pools from a real metrics endpoint. */
class MemorySamplerTest {

    @Test
    void samplesRssAndHeapIntoTheCsv(@TempDir Path dir) throws Exception {
        long pid = ProcessHandle.current().pid();
        Path csv = dir.resolve("memory.csv");
        try (ServiceEndpoint endpoint = ServiceEndpoint.start("sampler-test", "127.0.0.1", 0)) {
            MemorySampler sampler = new MemorySampler(csv);
            List<MemorySampler.Target> targets = List.of(
                    new MemorySampler.Target("self", pid, endpoint.baseUrl() + "/metrics"),
                    new MemorySampler.Target("no-metrics", pid, null));
            List<MemorySample> first = sampler.sample(0, targets);
            List<MemorySample> second = sampler.sample(1.5, targets);

            MemorySample self = first.get(0);
            long heapUsed = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
            assertTrue(self.rssBytes() > heapUsed / 4, "RSS " + self.rssBytes() + " vs heap in use " + heapUsed);
            assertTrue(self.heapBytes() > 0 && self.heapBytes() <= Runtime.getRuntime().maxMemory(),
                    "heap " + self.heapBytes());
            assertTrue(self.heapCommittedBytes() >= self.heapBytes(), "committed " + self.heapCommittedBytes());
            assertTrue(self.nonHeapCommittedBytes() > 0, "non-heap " + self.nonHeapCommittedBytes());
            assertTrue(self.directBytes() >= 0, "direct buffers " + self.directBytes());
            // this JVM trains no student, so it exposes no array count
            assertEquals(-1, self.nativeArrays());
            assertEquals(-1, first.get(1).heapBytes());
            assertEquals(-1, first.get(1).heapCommittedBytes());

            List<String> lines = Files.readAllLines(csv);
            assertEquals(MemorySample.CSV_HEADER, lines.get(0));
            assertEquals(5, lines.size());
            assertEquals(second.get(0), MemorySample.parseCsv(lines.get(3)));
        }
    }

    @Test
    void aProcessThatIsGoneReadsAsMinusOne(@TempDir Path dir) throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        assertTrue(MemorySampler.rssBytes(p.pid()).isEmpty());
        MemorySample gone = new MemorySampler(dir.resolve("memory.csv"))
                .sample(0, List.of(new MemorySampler.Target("gone", p.pid(), "http://127.0.0.1:1/metrics"))).get(0);
        assertEquals(-1, gone.rssBytes());
        assertEquals(-1, gone.heapBytes(), "an endpoint that does not answer");
    }
}
