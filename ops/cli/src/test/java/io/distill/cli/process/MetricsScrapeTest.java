package io.distill.cli.process;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsScrapeTest {

    @Test
    void parsesNamesLabelsAndValues() {
        String text = """
                # HELP distill_examples_total Examples emitted
                # TYPE distill_examples_total counter
                distill_examples_total{service="topology",split="train"} 90.0
                distill_examples_total{service="topology",split="holdout"} 10.0
                distill_trainer_published_version{model="a,b",service="trainer"} 3.0 1700000000000
                process_uptime_seconds 12.5
                """;
        MetricsScrape scrape = MetricsScrape.parse(text);
        assertEquals(4, scrape.samples().size());
        assertEquals(100.0, scrape.sum("distill_examples_total").orElseThrow());
        assertEquals(10.0, scrape.sum("distill_examples_total", Map.of("split", "holdout")).orElseThrow());
        assertEquals("a,b", scrape.samples().get(2).labels().get("model"));
        assertEquals(3.0, scrape.samples().get(2).value());
        assertTrue(scrape.has("process_uptime_seconds"));
        assertFalse(scrape.has("distill_missing"));
        assertTrue(scrape.sum("distill_missing").isEmpty());
    }
}
