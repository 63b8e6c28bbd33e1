package io.distill.topology.accounting;

import io.distill.schema.Split;
import java.util.Locale;

/**
 * The final disposition of one request record: an outcome and its detail (the split of an example,
 * the reason of a filter or dead letter). {@link #key()} is the name it is counted under, e.g.
 * {@code example.train}, {@code filtered.NO_TEACHER}, {@code duplicate},
 * {@code dead_lettered.UNDECODABLE}.
 */
public record Disposition(Outcome outcome, String detail) {

    public static Disposition example(Split split) {
        return new Disposition(Outcome.EXAMPLE, split.name().toLowerCase(Locale.ROOT));
    }

    public static Disposition filtered(FilterReason reason) {
        return new Disposition(Outcome.FILTERED, reason.name());
    }

    public static Disposition duplicate() {
        return new Disposition(Outcome.DUPLICATE, null);
    }

    public static Disposition deadLettered(String reasonCode) {
        return new Disposition(Outcome.DEAD_LETTERED, reasonCode);
    }

    /** @return the counter name of this disposition */
    public String key() {
        String base = outcome.name().toLowerCase(Locale.ROOT);
        return detail == null ? base : base + "." + detail;
    }
}
