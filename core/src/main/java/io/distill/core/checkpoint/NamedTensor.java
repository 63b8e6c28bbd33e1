package io.distill.core.checkpoint;

import java.util.Arrays;
import java.util.Objects;

/**
 * A named float32 array: a network parameter or a piece of optimizer state.
 *
 * @param name a unique name within its section, e.g. {@code 02Linear_weight} or {@code
 *     02Linear_weight/m}
 * @param shape dimensions, outermost first ({@code []} for a scalar)
 * @param data values, row-major; length equals the product of shape
 */
public record NamedTensor(String name, int[] shape, float[] data) {

    /** Checks the name and that shape and data agree. */
    public NamedTensor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(data, "data");
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(name + ": negative dimension in " + Arrays.toString(shape));
            }
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException(
                    name + ": shape " + Arrays.toString(shape) + " needs " + n + " values, has " + data.length);
        }
    }

    /** @return the number of values */
    public int size() {
        return data.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NamedTensor t
                && t.name.equals(name)
                && Arrays.equals(t.shape, shape)
                && Arrays.equals(t.data, data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(shape), Arrays.hashCode(data));
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
