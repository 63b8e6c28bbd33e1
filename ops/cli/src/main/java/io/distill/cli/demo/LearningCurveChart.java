package io.distill.cli.demo;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Draws a learning curve as a PNG with plain Java2D (no charting dependency): test accuracy of published student
 * checkpoints against samples seen, one polyline per series, and each teacher's accuracy as a dashed horizontal line.
 * The same points are written as CSV beside it.
 */
public final class LearningCurveChart {

    /** One measured point of a series. */
    public record Point(long samplesSeen, double accuracy, long version) {
    }

    /** A student run: name and points in order of samples seen. */
    public record Series(String name, List<Point> points) {
    }

    /** A horizontal reference line, e.g. a teacher's test accuracy. */
    public record Reference(String name, double accuracy) {
    }

    private static final Color[] PALETTE = {
            new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd), new Color(0xff7f0e),
            new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf)};
    private static final int WIDTH = 900;
    private static final int HEIGHT = 560;
    private static final int LEFT = 80;
    private static final int RIGHT = 30;
    private static final int TOP = 50;
    private static final int BOTTOM = 70;

    private LearningCurveChart() {
    }

    public static void writePng(Path file, String title, String yLabel, List<Series> series, List<Reference> references)
            throws IOException {
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);

            long maxX = 1;
            double minY = 1.0;
            double maxY = 0.0;
            for (Series s : series) {
                for (Point p : s.points()) {
                    maxX = Math.max(maxX, p.samplesSeen());
                    minY = Math.min(minY, p.accuracy());
                    maxY = Math.max(maxY, p.accuracy());
                }
            }
            for (Reference r : references) {
                minY = Math.min(minY, r.accuracy());
                maxY = Math.max(maxY, r.accuracy());
            }
            if (minY > maxY) {
                minY = 0;
                maxY = 1;
            }
            minY = Math.max(0, Math.floor(minY * 10 - 0.5) / 10);
            maxY = Math.min(1, Math.ceil(maxY * 10 + 0.2) / 10);
            if (maxY - minY < 0.1) {
                maxY = Math.min(1, minY + 0.1);
            }
            Axes axes = new Axes(maxX, minY, maxY);

            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
            g.setColor(Color.BLACK);
            g.drawString(title, LEFT, 30);
            drawAxes(g, axes, yLabel);

            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            List<LegendEntry> legend = new ArrayList<>();
            List<int[]> drawn = new ArrayList<>();
            int colour = 0;
            for (Reference r : references) {
                g.setColor(Color.DARK_GRAY);
                g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[]{8, 6}, 0));
                int y = axes.y(r.accuracy());
                g.drawLine(LEFT, y, WIDTH - RIGHT, y);
                for (int x = LEFT; x <= WIDTH - RIGHT; x += 20) {
                    drawn.add(new int[]{x, y});
                }
                legend.add(new LegendEntry(Color.DARK_GRAY, String.format(Locale.ROOT, "%s %.1f%%", r.name(), 100 * r.accuracy())));
            }
            for (Series s : series) {
                Color c = PALETTE[colour++ % PALETTE.length];
                g.setColor(c);
                g.setStroke(new BasicStroke(2.2f));
                int px = -1;
                int py = -1;
                for (Point p : s.points()) {
                    int x = axes.x(p.samplesSeen());
                    int y = axes.y(p.accuracy());
                    if (px >= 0) {
                        g.drawLine(px, py, x, y);
                        for (int i = 1; i < 10; i++) {
                            drawn.add(new int[]{px + (x - px) * i / 10, py + (y - py) * i / 10});
                        }
                    }
                    drawn.add(new int[]{x, y});
                    g.fillOval(x - 3, y - 3, 7, 7);
                    px = x;
                    py = y;
                }
                String last = s.points().isEmpty() ? "" : String.format(Locale.ROOT, " %.1f%%",
                        100 * s.points().get(s.points().size() - 1).accuracy());
                legend.add(new LegendEntry(c, s.name() + last));
            }
            drawLegend(g, legend, drawn);
        } finally {
            g.dispose();
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        ImageIO.write(image, "png", file.toFile());
    }

    public static void writeCsv(Path file, List<Series> series, List<Reference> references) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("series,version,samples_seen,test_accuracy");
        for (Series s : series) {
            for (Point p : s.points()) {
                lines.add(String.format(Locale.ROOT, "%s,%d,%d,%.5f", s.name(), p.version(), p.samplesSeen(), p.accuracy()));
            }
        }
        for (Reference r : references) {
            lines.add(String.format(Locale.ROOT, "%s,,,%.5f", r.name(), r.accuracy()));
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, lines);
    }

    private record LegendEntry(Color colour, String text) {
    }

    /**
     * The legend on a white box in the top or the bottom right corner, whichever hides fewer of the {@code drawn}
     * pixels of the lines (the top on a tie), so that many series stay readable.
     */
    private static void drawLegend(Graphics2D g, List<LegendEntry> entries, List<int[]> drawn) {
        if (entries.isEmpty()) {
            return;
        }
        int textWidth = entries.stream().mapToInt(e -> g.getFontMetrics().stringWidth(e.text())).max().orElse(0);
        int width = Math.max(230, textWidth + 40);
        int height = entries.size() * 18 + 8;
        int x = WIDTH - RIGHT - width;
        int top = TOP + 2;
        int bottom = HEIGHT - BOTTOM - 4 - height;
        int boxTop = hidden(drawn, x - 6, bottom, width, height) < hidden(drawn, x - 6, top, width, height) ? bottom : top;
        g.setColor(new Color(255, 255, 255, 225));
        g.fillRect(x - 6, boxTop, width, height);
        g.setColor(new Color(0xcccccc));
        g.setStroke(new BasicStroke(1f));
        g.drawRect(x - 6, boxTop, width, height);
        int y = boxTop + 13;
        for (LegendEntry e : entries) {
            g.setColor(e.colour());
            g.setStroke(new BasicStroke(2.2f));
            g.drawLine(x, y - 4, x + 22, y - 4);
            g.setColor(Color.BLACK);
            g.drawString(e.text(), x + 28, y);
            y += 18;
        }
    }

    private static long hidden(List<int[]> drawn, int x, int y, int width, int height) {
        return drawn.stream().filter(p -> p[0] >= x && p[0] <= x + width && p[1] >= y && p[1] <= y + height).count();
    }

    private static void drawAxes(Graphics2D g, Axes axes, String yLabel) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.setStroke(new BasicStroke(1f));
        for (int i = 0; i <= 5; i++) {
            double v = axes.minY + (axes.maxY - axes.minY) * i / 5;
            int y = axes.y(v);
            g.setColor(new Color(0xe5e5e5));
            g.drawLine(LEFT, y, WIDTH - RIGHT, y);
            g.setColor(Color.BLACK);
            g.drawString(String.format(Locale.ROOT, "%.0f%%", 100 * v), LEFT - 45, y + 4);
        }
        for (int i = 0; i <= 5; i++) {
            long v = axes.maxX * i / 5;
            int x = axes.x(v);
            g.setColor(Color.BLACK);
            g.drawLine(x, HEIGHT - BOTTOM, x, HEIGHT - BOTTOM + 5);
            String label = v >= 10_000 ? (v / 1000) + "k"
                    : v >= 1000 ? String.format(Locale.ROOT, "%.1fk", v / 1000.0) : Long.toString(v);
            g.drawString(label, x - g.getFontMetrics().stringWidth(label) / 2, HEIGHT - BOTTOM + 20);
        }
        g.drawLine(LEFT, TOP, LEFT, HEIGHT - BOTTOM);
        g.drawLine(LEFT, HEIGHT - BOTTOM, WIDTH - RIGHT, HEIGHT - BOTTOM);
        g.drawString("samples seen by the student", WIDTH / 2 - 80, HEIGHT - 25);
        Graphics2D rotated = (Graphics2D) g.create();
        rotated.rotate(-Math.PI / 2);
        rotated.drawString(yLabel, -HEIGHT / 2 - rotated.getFontMetrics().stringWidth(yLabel) / 2, 20);
        rotated.dispose();
    }

    private record Axes(long maxX, double minY, double maxY) {
        int x(long v) {
            return LEFT + (int) Math.round((WIDTH - LEFT - RIGHT) * (double) v / maxX);
        }

        int y(double v) {
            return HEIGHT - BOTTOM - (int) Math.round((HEIGHT - TOP - BOTTOM) * (v - minY) / (maxY - minY));
        }
    }
}
