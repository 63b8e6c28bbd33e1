package io.distill.serving.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Writes a benchmark's figures under its own {@code ## name} heading of a Markdown file, replacing an older run. */
final class BenchmarkReport {

    private BenchmarkReport() {
    }

    static void record(Path file, String name, String setup, Map<String, String> figures) throws IOException {
        StringBuilder section = new StringBuilder("## ").append(name).append("\n\n").append(setup).append("\n\n")
                .append("| figure | value |\n|---|---|\n");
        figures.forEach((k, v) -> section.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        String text = Files.exists(file) ? Files.readString(file) : "# Benchmarks\n";
        String heading = "## " + name + "\n";
        int start = text.startsWith(heading) ? 0 : text.indexOf("\n" + heading);
        if (start < 0) {
            text = text.stripTrailing() + "\n\n" + section;
        } else {
            int from = start == 0 ? 0 : start + 1;
            int next = text.indexOf("\n## ", from + heading.length());
            text = text.substring(0, from) + section + (next < 0 ? "" : text.substring(next));
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, text);
    }
}
