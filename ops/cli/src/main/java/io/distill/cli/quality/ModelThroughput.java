package io.distill.cli.quality;

import ai.djl.Device;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.distill.core.dataset.FashionMnist;
import io.distill.serving.model.LoadedModel;
import io.distill.schema.CheckpointManifest;
import io.distill.teacher.model.TeacherInference;
import io.distill.teacher.model.TeacherLoader;
import io.distill.teacher.model.TeacherModel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Teachers and students on the same test images in the same process: accuracy of each teacher (and of their
 * ensemble, the average of their probabilities as the topology's default ensemble computes it), and inference
 * throughput of a teacher against a published student, measured in alternating rounds on the same batches so both
 * see the same machine load.
 */
public final class ModelThroughput implements AutoCloseable {

    /** Throughput of teacher and student in images per second, at the same batch size. */
    public record Comparison(String teacher, double teacherImagesPerSecond, String student, long studentVersion,
                             double studentImagesPerSecond, int batchSize, int rounds) {
        public double ratio() {
            return studentImagesPerSecond / teacherImagesPerSecond;
        }
    }

    static final int BATCH = 256;
    private static final int ROUNDS = 3;

    private final Path workDir;
    private final FashionMnist.Split test;
    private final int limit;
    private final Map<String, TeacherModel> teachers = new LinkedHashMap<>();

    public ModelThroughput(Path workDir, FashionMnist.Split test, int limit) {
        this.workDir = workDir;
        this.test = test;
        this.limit = Math.min(limit, test.size());
    }

    private TeacherModel teacher(String id) {
        return teachers.computeIfAbsent(id, t -> TeacherLoader.load(workDir.resolve("teachers").resolve(t), Device.cpu()));
    }

    /** The teacher's test accuracy, parameter count and size of its saved weights. */
    public QualityExperiment.TeacherScore scoreTeacher(String id) throws Exception {
        TeacherModel model = teacher(id);
        double accuracy;
        try (TeacherInference inference = model.newInference()) {
            accuracy = CheckpointEvaluator.accuracy(images -> logProbabilities(inference, images), test, limit);
        }
        long parameters = 0;
        for (Pair<String, Parameter> p : model.djlModel().getBlock().getParameters()) {
            parameters += p.getValue().getArray().size();
        }
        Path weights = workDir.resolve("teachers").resolve(id).resolve(model.descriptor().modelFile());
        long bytes;
        try {
            bytes = Files.size(weights);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new QualityExperiment.TeacherScore(id, accuracy, parameters, bytes);
    }

    /** Accuracy of the teachers' averaged probabilities. */
    public QualityExperiment.TeacherScore scoreEnsemble(List<String> ids) throws Exception {
        List<TeacherInference> inferences = ids.stream().map(id -> teacher(id).newInference()).toList();
        long parameters = 0;
        long bytes = 0;
        try {
            double accuracy = CheckpointEvaluator.accuracy(images -> {
                float[][] sum = new float[images.length][];
                for (TeacherInference inference : inferences) {
                    float[][] lp = logProbabilities(inference, images);
                    for (int i = 0; i < lp.length; i++) {
                        if (sum[i] == null) {
                            sum[i] = new float[lp[i].length];
                        }
                        for (int c = 0; c < lp[i].length; c++) {
                            sum[i][c] += (float) Math.exp(lp[i][c]);
                        }
                    }
                }
                return sum;
            }, test, limit);
            for (String id : ids) {
                QualityExperiment.TeacherScore one = scoreTeacher(id);
                parameters += one.parameters();
                bytes += one.checkpointBytes();
            }
            return new QualityExperiment.TeacherScore("ensemble(" + String.join("+", ids) + ")", accuracy, parameters, bytes);
        } finally {
            for (TeacherInference inference : inferences) {
                inference.close();
            }
        }
    }

    /** Images per second of the teacher and of the student's published version, alternating rounds, best round each. */
    public Comparison compare(String teacherId, CheckpointEvaluator evaluator, CheckpointManifest studentManifest)
            throws Exception {
        TeacherModel model = teacher(teacherId);
        LoadedModel student = evaluator.load(studentManifest);
        float[][][] batches = batches();
        double bestTeacher = 0;
        double bestStudent = 0;
        try (TeacherInference inference = model.newInference()) {
            // one warm-up pass each
            inference.logProbabilities(batches[0]);
            student.predict(batches[0]);
            for (int round = 0; round < ROUNDS; round++) {
                long t0 = System.nanoTime();
                int n = 0;
                for (float[][] batch : batches) {
                    n += inference.logProbabilities(batch).length;
                }
                bestTeacher = Math.max(bestTeacher, n / ((System.nanoTime() - t0) / 1e9));
                long s0 = System.nanoTime();
                n = 0;
                for (float[][] batch : batches) {
                    n += student.predict(batch).length;
                }
                bestStudent = Math.max(bestStudent, n / ((System.nanoTime() - s0) / 1e9));
            }
        } finally {
            student.discard();
        }
        return new Comparison(teacherId, bestTeacher, studentManifest.getModelName().toString(), studentManifest.getVersion(),
                bestStudent, BATCH, ROUNDS);
    }

    private float[][][] batches() {
        int count = (limit + BATCH - 1) / BATCH;
        float[][][] out = new float[count][][];
        for (int b = 0; b < count; b++) {
            out[b] = Arrays.copyOfRange(test.images(), b * BATCH, Math.min(limit, (b + 1) * BATCH));
        }
        return out;
    }

    private static float[][] logProbabilities(TeacherInference inference, float[][] images) {
        try {
            return inference.logProbabilities(images);
        } catch (Exception e) {
            throw new IllegalStateException("teacher inference failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        teachers.values().forEach(TeacherModel::close);
    }
}
