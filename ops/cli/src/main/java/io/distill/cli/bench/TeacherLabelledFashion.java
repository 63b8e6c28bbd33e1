package io.distill.cli.bench;

import ai.djl.Device;
import io.distill.core.dataset.FashionMnist;
import io.distill.schema.LabelSpace;
import io.distill.teacher.cli.TeacherStore;
import io.distill.teacher.model.TeacherInference;
import io.distill.teacher.model.TeacherLoader;
import io.distill.teacher.model.TeacherModel;
import io.distill.trainer.data.Sample;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Real Fashion-MNIST for the strategy benchmarks: the first {@code n} training images labelled in process by a
 * saved teacher (its temperature-1 log-probabilities, what the teacher service would publish) with their true
 * labels, and the test split with its true labels for scoring.
 *
 * @param train teacher-labelled training samples
 * @param test test samples (true labels, teacher distribution of the same teacher)
 * @param teacherId the teacher's id
 * @param teacherTestAccuracy the teacher's own accuracy on {@code test}
 */
record TeacherLabelledFashion(List<Sample> train, List<Sample> test, String teacherId, double teacherTestAccuracy) {

    static final int[] SHAPE = {784};
    static final int CLASSES = 10;

    static TeacherLabelledFashion load(String teacherId, int trainCount, int testCount) throws IOException {
        Path dir = TeacherStore.teacherDir(TeacherStore.defaultWorkDir(), teacherId);
        if (!TeacherStore.isSaved(dir)) {
            throw new IllegalStateException("no saved teacher " + teacherId + " in " + dir
                    + "; train one with ./distill teacher train --id " + teacherId);
        }
        FashionMnist.Split train = FashionMnist.load(FashionMnist.locate(), "train", trainCount);
        FashionMnist.Split test = FashionMnist.load(FashionMnist.locate(), "t10k", testCount);
        try (TeacherModel teacher = TeacherLoader.load(dir, Device.cpu());
             TeacherInference inference = teacher.newInference()) {
            List<Sample> trainSamples = label(inference, train, "train-");
            List<Sample> testSamples = label(inference, test, "test-");
            int right = 0;
            for (Sample s : testSamples) {
                right += s.teacherArgmax() == s.hardLabel() ? 1 : 0;
            }
            return new TeacherLabelledFashion(trainSamples, testSamples, teacherId,
                    (double) right / testSamples.size());
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("teacher " + teacherId + " failed to label the data", e);
        }
    }

    private static List<Sample> label(TeacherInference inference, FashionMnist.Split split, String prefix)
            throws Exception {
        List<Sample> out = new ArrayList<>(split.size());
        for (int from = 0; from < split.size(); from += 256) {
            int to = Math.min(split.size(), from + 256);
            float[][] batch = new float[to - from][];
            for (int i = from; i < to; i++) {
                batch[i - from] = split.images()[i];
            }
            float[][] logProbs = inference.logProbabilities(batch);
            for (int i = from; i < to; i++) {
                out.add(new Sample(prefix + i, split.images()[i], logProbs[i - from], split.labels()[i], 1f));
            }
        }
        return out;
    }

    static LabelSpace labelSpace() {
        return LabelSpace.newBuilder().setId(FashionMnist.LABEL_SPACE_ID).setVersion(FashionMnist.LABEL_SPACE_VERSION)
                .setClassNames(new ArrayList<>(FashionMnist.CLASS_NAMES)).build();
    }

    /** Fraction of {@code samples} whose most likely class under {@code logProbs} is the true label. */
    static double accuracy(List<Sample> samples, double[][] logProbs) {
        int right = 0;
        for (int i = 0; i < samples.size(); i++) {
            double[] row = logProbs[i];
            int best = 0;
            for (int c = 1; c < row.length; c++) {
                if (row[c] > row[best]) {
                    best = c;
                }
            }
            right += best == samples.get(i).hardLabel() ? 1 : 0;
        }
        return (double) right / samples.size();
    }
}
