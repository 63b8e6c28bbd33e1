package io.distill.cli.demo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LearningCurveChartTest {

    @Test
    void writesAReadablePngAndCsv(@TempDir Path dir) throws Exception {
        List<LearningCurveChart.Series> series = List.of(new LearningCurveChart.Series("student", List.of(
                new LearningCurveChart.Point(1_000, 0.61, 1),
                new LearningCurveChart.Point(5_000, 0.78, 2),
                new LearningCurveChart.Point(20_000, 0.85, 3))));
        List<LearningCurveChart.Reference> refs = List.of(new LearningCurveChart.Reference("teacher", 0.91));
        Path png = dir.resolve("curve.png");
        LearningCurveChart.writePng(png, "Learning curve", "test accuracy", series, refs);
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(900, image.getWidth());
        // the plot is not blank: some pixels carry the series colour
        int coloured = 0;
        for (int x = 0; x < image.getWidth(); x += 2) {
            for (int y = 0; y < image.getHeight(); y += 2) {
                if ((image.getRGB(x, y) & 0xffffff) == 0x1f77b4) {
                    coloured++;
                }
            }
        }
        assertTrue(coloured > 50, "series drawn: " + coloured);

        Path csv = dir.resolve("curve.csv");
        LearningCurveChart.writeCsv(csv, series, refs);
        List<String> lines = Files.readAllLines(csv);
        assertEquals("series,version,samples_seen,test_accuracy", lines.get(0));
        assertEquals("student,3,20000,0.85000", lines.get(3));
        assertEquals("teacher,,,0.91000", lines.get(4));
    }
}
