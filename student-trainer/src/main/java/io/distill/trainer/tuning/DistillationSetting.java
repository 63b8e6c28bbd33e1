package io.distill.trainer.tuning;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** One candidate of the self-tuning grid: the distillation temperature and the weight alpha of the soft-target term. */
public record DistillationSetting(double temperature, double alpha) {

    public DistillationSetting {
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be positive and finite: " + temperature);
        }
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha must be in [0, 1]: " + alpha);
        }
    }

    /** Parses {@code temperature:alpha[,temperature:alpha...]}, keeping the order (the plateau rule's path). */
    public static List<DistillationSetting> parseGrid(String spec) {
        List<DistillationSetting> grid = new ArrayList<>();
        for (String part : spec.split(",")) {
            String[] f = part.trim().split(":");
            if (f.length != 2) {
                throw new IllegalArgumentException("tuning candidate '" + part + "' is not temperature:alpha");
            }
            try {
                DistillationSetting s = new DistillationSetting(Double.parseDouble(f[0].trim()),
                        Double.parseDouble(f[1].trim()));
                if (grid.contains(s)) {
                    throw new IllegalArgumentException("tuning candidate '" + part + "' is listed twice");
                }
                grid.add(s);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("tuning candidate '" + part + "' is not temperature:alpha", e);
            }
        }
        return List.copyOf(grid);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "T=%s alpha=%s", temperature, alpha);
    }
}
