package io.distill.trainer.publish;

import java.util.Locale;

/**
 * Which checkpoint containers the trainer publishes ({@code trainer.checkpoint.format}).
 *
 * <ul>
 *   <li>{@code float}: the float32 container with optimizer state under the model's name (the default);</li>
 *   <li>{@code int8}: only the int8 container (weights int8 with per-channel scales, no optimizer state) under the
 *   model's name; a restarted trainer resumes from the dequantized weights with a fresh optimizer state;</li>
 *   <li>{@code both}: the float32 container under the model's name and, in the same transaction and with the same
 *   version number, the int8 container under a companion model name ({@code trainer.checkpoint.int8.model},
 *   default {@code <model>.int8}); servers choose by the model name they follow.</li>
 * </ul>
 */
public enum PublishedFormats {
    FLOAT, INT8, BOTH;

    public static PublishedFormats parse(String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("trainer.checkpoint.format must be float, int8 or both, not '" + value
                    + "'", e);
        }
    }

    /** Whether the model's own lineage (its name) is published as int8. */
    public boolean lineageIsInt8() {
        return this == INT8;
    }

    /** Whether an int8 companion model is published beside the float lineage. */
    public boolean companion() {
        return this == BOTH;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
