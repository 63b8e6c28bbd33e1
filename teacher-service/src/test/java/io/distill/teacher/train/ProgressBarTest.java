package io.distill.teacher.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressBarTest {

    @Test
    void rendersTheShareDone() {
        assertEquals("[===============>              ]  50% epoch 1/2", ProgressBar.render(5, 10, "epoch 1/2"));
        assertTrue(ProgressBar.render(10, 10, "").startsWith("[==============================] 100%"));
    }

    @Test
    void redrawsWithACarriageReturnAndEndsTheLine() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), true);
        bar.update(10, 10, "done");
        bar.finish("finished");
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.startsWith("\r["), out);
        assertTrue(out.endsWith("finished" + System.lineSeparator()), out);
    }

    @Test
    void aSilentBarWritesNothing() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(bytes), false);
        bar.update(1, 2, "x");
        bar.finish("y");
        assertEquals(0, bytes.size());
    }
}
