package io.distill.teacher.train;

import java.util.Random;

/**
 * Label-preserving random transforms of one {@code [C, H, W]} image stored row-major in a flat
 * array: a shift by whole pixels (vacated pixels become 0) and an optional horizontal mirror.
 */
public final class ImageAugmentation {

    private final int channels;
    private final int height;
    private final int width;
    private final int maxShift;
    private final boolean flip;

    /**
     * @param chw image shape {C, H, W}
     * @param maxShift largest shift in pixels on each axis
     * @param flip mirror with probability 1/2
     */
    public ImageAugmentation(int[] chw, int maxShift, boolean flip) {
        if (chw.length != 3) {
            throw new IllegalArgumentException("augmentation needs a [C, H, W] image shape");
        }
        this.channels = chw[0];
        this.height = chw[1];
        this.width = chw[2];
        this.maxShift = maxShift;
        this.flip = flip;
    }

    /**
     * Writes a randomly transformed copy of {@code src} into {@code dst}.
     *
     * @param src the image
     * @param dst where the transformed image goes (same length, not {@code src})
     * @param random the source of the shift and flip draws
     */
    public void apply(float[] src, float[] dst, Random random) {
        int dy = maxShift == 0 ? 0 : random.nextInt(2 * maxShift + 1) - maxShift;
        int dx = maxShift == 0 ? 0 : random.nextInt(2 * maxShift + 1) - maxShift;
        boolean mirror = flip && random.nextBoolean();
        transform(src, dst, dy, dx, mirror);
    }

    /**
     * Deterministic transform: {@code dst[c][y][x] = src[c][y - dy][x' - dx]}, where {@code x'} is
     * {@code x} or, mirrored, {@code W - 1 - x}; pixels shifted in from outside are 0.
     *
     * @param src the image
     * @param dst the output (same length, not {@code src})
     * @param dy rows down
     * @param dx columns right
     * @param mirror mirror horizontally after shifting
     */
    public void transform(float[] src, float[] dst, int dy, int dx, boolean mirror) {
        for (int c = 0; c < channels; c++) {
            int plane = c * height * width;
            for (int y = 0; y < height; y++) {
                int sy = y - dy;
                int row = plane + y * width;
                for (int x = 0; x < width; x++) {
                    int sx = (mirror ? width - 1 - x : x) - dx;
                    dst[row + x] = sy < 0 || sy >= height || sx < 0 || sx >= width ? 0f : src[plane + sy * width + sx];
                }
            }
        }
    }
}
