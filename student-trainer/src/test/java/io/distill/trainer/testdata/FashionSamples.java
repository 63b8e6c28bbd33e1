package io.distill.trainer.testdata;

import io.distill.core.dataset.FashionMnist;
import io.distill.schema.LabelSpace;
import io.distill.trainer.data.Sample;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Real Fashion-MNIST images as trainer samples. The "teacher" is the true label smoothed to 0.91 (0.01 elsewhere),
 * which is what a confident, correct teacher emits; tests that need a wrong teacher shuffle it.
 */
public final class FashionSamples {

    public static final int[] SHAPE = {784};
    public static final int CLASSES = 10;

    private FashionSamples() {
    }

    public static LabelSpace labelSpace() {
        return LabelSpace.newBuilder().setId(FashionMnist.LABEL_SPACE_ID).setVersion(FashionMnist.LABEL_SPACE_VERSION)
                .setClassNames(FashionMnist.CLASS_NAMES).build();
    }

    public static float[] smoothedLogProbs(int label) {
        float[] l = new float[CLASSES];
        for (int c = 0; c < CLASSES; c++) {
            l[c] = (float) Math.log(c == label ? 0.91 : 0.01);
        }
        return l;
    }

    /** {@code count} training images from {@code offset}, with teacher and hard label. */
    public static List<Sample> train(int offset, int count) throws IOException {
        FashionMnist.Split split = FashionMnist.load(FashionMnist.locate(), "train", offset + count);
        return toSamples(split, offset, "train-");
    }

    /** {@code count} test images (the hold-out), with teacher and hard label. */
    public static List<Sample> test(int count) throws IOException {
        return toSamples(FashionMnist.load(FashionMnist.locate(), "t10k", count), 0, "test-");
    }

    private static List<Sample> toSamples(FashionMnist.Split split, int offset, String prefix) {
        List<Sample> samples = new ArrayList<>();
        for (int i = offset; i < split.size(); i++) {
            int y = split.labels()[i];
            samples.add(new Sample(prefix + i, split.images()[i], smoothedLogProbs(y), y, 1f));
        }
        return samples;
    }
}
