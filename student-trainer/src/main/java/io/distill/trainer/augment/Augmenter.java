package io.distill.trainer.augment;

import io.distill.trainer.data.Sample;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Label-preserving augmentation of training batches, by input kind. An input of shape {@code [C, H, W]}, or a flat
 * vector whose length is a perfect square (read as {@code [1, √n, √n]}), is an image: it can be shifted, cropped
 * after padding and noised. Any other input is a plain vector: only noise applies to it (shift and crop are skipped,
 * and {@link #describe()} says so).
 *
 * <p>Every augmented sample is a new {@link Sample} with a new input array and the original's teacher distribution,
 * hard label and weight; the originals are never modified, so the replay buffer and the hold-out set keep the data
 * as it arrived. The random draws of a batch come from a generator seeded with the configured seed and the batch's
 * index (the optimizer step), so the same seed gives the same augmented batch, also after a restart.
 */
public final class Augmenter {

    private final AugmentSettings settings;
    private final int channels;
    private final int height;
    private final int width;
    private final int size;
    private final boolean image;

    public Augmenter(AugmentSettings settings, int[] inputShape) {
        this.settings = settings;
        int n = 1;
        for (int d : inputShape) {
            n *= d;
        }
        this.size = n;
        if (inputShape.length == 3) {
            channels = inputShape[0];
            height = inputShape[1];
            width = inputShape[2];
            image = true;
        } else {
            int side = (int) Math.round(Math.sqrt(n));
            boolean square = inputShape.length == 1 && side > 1 && side * side == n;
            channels = 1;
            height = square ? side : 1;
            width = square ? side : n;
            image = square;
        }
    }

    /** Whether inputs are augmented as images (shift and crop apply) rather than plain vectors (noise only). */
    public boolean imageInputs() {
        return image;
    }

    /** A one-line description for the start-up log. */
    public String describe() {
        if (!settings.enabled()) {
            return "none";
        }
        String kind = image ? "image " + channels + "x" + height + "x" + width : "vector of " + size;
        boolean skipped = !image && (settings.operations().contains(AugmentSettings.Operation.SHIFT)
                || settings.operations().contains(AugmentSettings.Operation.CROP));
        return settings + " on " + kind + (skipped ? " (shift and crop do not apply to vectors: noise only)" : "");
    }

    /**
     * Augmented copies of {@code samples}, in the same order.
     *
     * @param batchIndex the batch's index (e.g. the optimizer step it trains); seeds the batch's random draws
     */
    public List<Sample> augment(List<Sample> samples, long batchIndex) {
        if (!settings.enabled()) {
            return samples;
        }
        SplittableRandom random = new SplittableRandom(mix(settings.seed(), batchIndex));
        List<Sample> out = new ArrayList<>(samples.size());
        for (Sample s : samples) {
            out.add(new Sample(s.requestId(), augment(s.input(), random), s.teacherLogProbs(), s.hardLabel(),
                    s.weight()));
        }
        return out;
    }

    /** One input's augmented copy. */
    float[] augment(float[] input, SplittableRandom random) {
        if (input.length != size) {
            throw new IllegalArgumentException("input of " + input.length + " values, expected " + size);
        }
        float[] x = input.clone();
        if (image && settings.operations().contains(AugmentSettings.Operation.SHIFT) && settings.shiftPixels() > 0) {
            int s = settings.shiftPixels();
            x = shift(x, random.nextInt(-s, s + 1), random.nextInt(-s, s + 1), true);
        }
        if (image && settings.operations().contains(AugmentSettings.Operation.CROP) && settings.cropPadding() > 0) {
            int p = settings.cropPadding();
            // Padding by p and cropping the original size at offset (ox, oy) in [0, 2p] is a shift by (p - ox, p - oy)
            // whose vacated border is the zero padding.
            x = shift(x, p - random.nextInt(2 * p + 1), p - random.nextInt(2 * p + 1), false);
        }
        if (settings.operations().contains(AugmentSettings.Operation.NOISE) && settings.noiseStd() > 0) {
            float lo = Float.POSITIVE_INFINITY;
            float hi = Float.NEGATIVE_INFINITY;
            for (float v : input) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            for (int i = 0; i < x.length; i++) {
                float v = (float) (x[i] + gaussian(random) * settings.noiseStd());
                x[i] = Math.max(lo, Math.min(hi, v));
            }
        }
        return x;
    }

    /** Moves the image by (dx, dy); vacated pixels repeat the nearest edge pixel or are zero. */
    private float[] shift(float[] x, int dx, int dy, boolean replicateEdges) {
        if (dx == 0 && dy == 0) {
            return x;
        }
        float[] out = new float[x.length];
        int plane = height * width;
        for (int c = 0; c < channels; c++) {
            int base = c * plane;
            for (int y = 0; y < height; y++) {
                int sy = y - dy;
                for (int xx = 0; xx < width; xx++) {
                    int sx = xx - dx;
                    boolean inside = sy >= 0 && sy < height && sx >= 0 && sx < width;
                    if (inside) {
                        out[base + y * width + xx] = x[base + sy * width + sx];
                    } else if (replicateEdges) {
                        int cy = Math.max(0, Math.min(height - 1, sy));
                        int cx = Math.max(0, Math.min(width - 1, sx));
                        out[base + y * width + xx] = x[base + cy * width + cx];
                    }
                }
            }
        }
        return out;
    }

    /** A standard normal draw (Box-Muller), from the batch's generator only. */
    private static double gaussian(SplittableRandom random) {
        double u1 = random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }

    private static long mix(long seed, long index) {
        long z = seed * 0x9E3779B97F4A7C15L + index;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
