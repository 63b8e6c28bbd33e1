package io.distill.core.dataset;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Fashion-MNIST (Zalando, MIT licence): 60,000 training and 10,000 test images of 28x28 grey pixels in ten
 * clothing classes. Read from the IDX files of the Debian package {@code dataset-fashion-mnist}
 * ({@code /usr/share/datasets/fashion-mnist}) or from a directory given by {@code DISTILL_FASHION_MNIST_DIR}.
 */
public final class FashionMnist {

    public static final String LABEL_SPACE_ID = "fashion-mnist";
    public static final int LABEL_SPACE_VERSION = 1;
    public static final List<String> CLASS_NAMES = List.of(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    public static final int[] IMAGE_SHAPE = {1, 28, 28};
    public static final int IMAGE_SIZE = 28 * 28;
    public static final Path DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    /** One split of the data set: images as float32 in [0, 1], row-major, and their labels. */
    public record Split(String name, float[][] images, int[] labels) {
        public int size() {
            return labels.length;
        }
    }

    private FashionMnist() {
    }

    /** The directory holding the IDX files, or an exception saying how to obtain them. */
    public static Path locate() {
        String configured = System.getenv("DISTILL_FASHION_MNIST_DIR");
        Path dir = configured != null && !configured.isBlank() ? Path.of(configured) : DEBIAN_DIR;
        if (!Files.isRegularFile(dir.resolve("train-images-idx3-ubyte.gz"))) {
            throw new IllegalStateException("Fashion-MNIST not found in " + dir
                    + ": install it with 'apt-get install -y dataset-fashion-mnist' or point DISTILL_FASHION_MNIST_DIR"
                    + " at a directory holding {train,t10k}-{images-idx3,labels-idx1}-ubyte.gz");
        }
        return dir;
    }

    public static boolean available() {
        try {
            locate();
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    public static Split train() throws IOException {
        return load(locate(), "train", Integer.MAX_VALUE);
    }

    public static Split test() throws IOException {
        return load(locate(), "t10k", Integer.MAX_VALUE);
    }

    /** The first {@code limit} items of split {@code prefix} ("train" or "t10k") in {@code dir}. */
    public static Split load(Path dir, String prefix, int limit) throws IOException {
        IdxFile images = IdxFile.read(dir.resolve(prefix + "-images-idx3-ubyte.gz"));
        IdxFile labels = IdxFile.read(dir.resolve(prefix + "-labels-idx1-ubyte.gz"));
        if (images.count() != labels.count()) {
            throw new IOException(prefix + ": " + images.count() + " images but " + labels.count() + " labels");
        }
        if (images.itemSize() != IMAGE_SIZE) {
            throw new IOException(prefix + ": images are not 28x28: " + images);
        }
        int n = Math.min(limit, images.count());
        float[][] x = new float[n][];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            x[i] = images.itemAsUnitFloats(i);
            y[i] = labels.get(i, 0);
        }
        return new Split(prefix, x, y);
    }
}
