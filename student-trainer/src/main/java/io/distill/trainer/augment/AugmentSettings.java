package io.distill.trainer.augment;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * What the trainer's augmentation does: the operations ({@code trainer.augment}, {@code none} or a comma list of
 * {@code shift}, {@code crop}, {@code noise}), their magnitudes and the seed of their random draws.
 *
 * @param operations the operations, applied in the order shift, crop, noise
 * @param shiftPixels largest translation per axis of {@code shift}, in pixels
 * @param cropPadding zero padding on every side before the random crop back to the input size
 * @param noiseStd standard deviation of the added gaussian noise
 * @param seed seed of the random draws; the same seed and batch index always give the same augmented batch
 */
public record AugmentSettings(Set<Operation> operations, int shiftPixels, int cropPadding, double noiseStd,
                              long seed) {

    /** One label-preserving transformation. */
    public enum Operation {
        /** Integer translation of images, the vacated border repeating the edge pixels. */
        SHIFT,
        /** Zero-padding of images followed by a random crop of the original size. */
        CROP,
        /** Gaussian noise on every value, clamped to the example's own value range (images and vectors). */
        NOISE
    }

    public AugmentSettings {
        operations = operations.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(operations));
        if (shiftPixels < 0 || cropPadding < 0 || !(noiseStd >= 0) || Double.isInfinite(noiseStd)) {
            throw new IllegalArgumentException("augmentation magnitudes must be finite and not negative: shift "
                    + shiftPixels + ", crop padding " + cropPadding + ", noise std " + noiseStd);
        }
    }

    /** No augmentation. */
    public static AugmentSettings none() {
        return new AugmentSettings(Set.of(), 2, 2, 0.05, 42);
    }

    public boolean enabled() {
        return !operations.isEmpty();
    }

    /**
     * Parses {@code none} or a comma list of operations.
     *
     * @throws IllegalArgumentException naming an unknown operation
     */
    public static Set<Operation> parseOperations(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        if (v.isEmpty() || v.equals("none")) {
            return Set.of();
        }
        EnumSet<Operation> ops = EnumSet.noneOf(Operation.class);
        for (String part : v.split(",")) {
            String p = part.trim();
            try {
                ops.add(Operation.valueOf(p.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown augmentation '" + p + "' in trainer.augment=" + value
                        + "; use none or a comma list of shift, crop, noise", e);
            }
        }
        return ops;
    }

    @Override
    public String toString() {
        if (!enabled()) {
            return "none";
        }
        StringBuilder b = new StringBuilder();
        for (Operation op : EnumSet.copyOf(operations)) {
            b.append(b.length() == 0 ? "" : ",").append(op.name().toLowerCase(Locale.ROOT));
            switch (op) {
                case SHIFT -> b.append('(').append(shiftPixels).append("px)");
                case CROP -> b.append("(pad ").append(cropPadding).append(')');
                case NOISE -> b.append("(std ").append(noiseStd).append(')');
            }
        }
        return b.append(" seed ").append(seed).toString();
    }
}
