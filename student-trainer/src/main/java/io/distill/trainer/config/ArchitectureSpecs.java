package io.distill.trainer.config;

import io.distill.core.architecture.ArchitectureSpec;

import java.util.ArrayList;
import java.util.List;

/**
 * Short forms of architecture specs for configuration and flags:
 * <ul>
 *   <li>{@code mlp:800,800} (hidden widths)</li>
 *   <li>{@code cnn:32,64/k3/d128} (conv channels, kernel size, dense width)</li>
 *   <li>{@code <family>:{json}} (any registered family with its JSON parameters)</li>
 * </ul>
 * Dropout comes from its own setting.
 */
public final class ArchitectureSpecs {

    private ArchitectureSpecs() {
    }

    public static ArchitectureSpec parse(String text, double dropout) {
        String s = text.trim();
        int colon = s.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("architecture must look like mlp:800,800 or cnn:32,64/k3/d128: '" + text + "'");
        }
        String family = s.substring(0, colon).trim();
        String rest = s.substring(colon + 1).trim();
        if (rest.startsWith("{")) {
            return ArchitectureSpec.fromJson(family, rest);
        }
        switch (family) {
            case "mlp":
                return ArchitectureSpec.mlp(ints(rest), dropout);
            case "cnn": {
                String[] parts = rest.split("/");
                int kernel = 3;
                int dense = 128;
                for (int i = 1; i < parts.length; i++) {
                    String p = parts[i].trim();
                    if (p.startsWith("k")) {
                        kernel = Integer.parseInt(p.substring(1));
                    } else if (p.startsWith("d")) {
                        dense = Integer.parseInt(p.substring(1));
                    } else {
                        throw new IllegalArgumentException("cnn option '" + p + "' is neither k<kernel> nor d<dense>");
                    }
                }
                return ArchitectureSpec.cnn(ints(parts[0]), kernel, dense, dropout);
            }
            default:
                throw new IllegalArgumentException("family '" + family + "' needs its JSON parameters: " + family + ":{...}");
        }
    }

    private static List<Integer> ints(String csv) {
        List<Integer> out = new ArrayList<>();
        for (String p : csv.split(",")) {
            if (!p.isBlank()) {
                out.add(Integer.parseInt(p.trim()));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no layer widths in '" + csv + "'");
        }
        return out;
    }
}
