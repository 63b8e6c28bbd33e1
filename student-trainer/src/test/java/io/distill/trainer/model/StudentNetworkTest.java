package io.distill.trainer.model;

import ai.djl.Device;
import io.distill.core.architecture.ArchitectureSpec;
import io.distill.core.checkpoint.Checkpoint;
import io.distill.core.checkpoint.CheckpointReader;
import io.distill.core.checkpoint.CheckpointWriter;
import io.distill.core.checkpoint.NamedTensor;
import io.distill.trainer.adaptive.AdaptiveWeighting;
import io.distill.trainer.data.Sample;
import io.distill.trainer.eval.HoldoutMetrics;
import io.distill.trainer.eval.HoldoutScorer;
import io.distill.trainer.gate.GateDecision;
import io.distill.trainer.gate.GatePolicy;
import io.distill.trainer.gate.QualityGate;
import io.distill.trainer.testdata.FashionSamples;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Trains a real small MLP on real Fashion-MNIST images. */
class StudentNetworkTest {

    private static List<Sample> train;
    private static List<Sample> holdout;

    @BeforeAll
    static void data() throws Exception {
        train = FashionSamples.train(0, 2000);
        holdout = FashionSamples.test(1000);
    }

    private static StudentNetwork newStudent(long seed) {
        return new StudentNetwork(ArchitectureSpec.mlp(List.of(64), 0.0), FashionSamples.SHAPE,
                FashionSamples.labelSpace(), FashionSamples.CLASSES,
                new OptimizerSettings("adam", 2e-3f, "constant", 0f, 0.9f, 5.0), Device.cpu(), seed);
    }

    private static void epochs(StudentNetwork net, List<Sample> data, int epochs) {
        for (int e = 0; e < epochs; e++) {
            for (int from = 0; from < data.size(); from += 64) {
                net.train(data.subList(from, Math.min(data.size(), from + 64)), 0.7f, 2f, AdaptiveWeighting.NONE);
            }
        }
    }

    @Test
    void learnsFarAboveChanceAndLossFalls() {
        try (StudentNetwork net = newStudent(1)) {
            float first = net.train(train.subList(0, 64), 0.7f, 2f, AdaptiveWeighting.NONE).loss();
            epochs(net, train, 3);
            float later = net.train(train.subList(0, 64), 0.7f, 2f, AdaptiveWeighting.NONE).loss();
            HoldoutMetrics m = HoldoutScorer.score(holdout, net.logProbs(holdout));
            assertTrue(later < first / 2, "loss " + first + " -> " + later);
            assertTrue(m.agreement() > 0.7, "hold-out agreement " + m.agreement());
            assertTrue(m.accuracy() > 0.7, "hold-out accuracy " + m.accuracy());
            assertTrue(net.weightsFinite());
        }
    }

    @Test
    void aBatchWithNothingToLearnTakesNoStep() {
        try (StudentNetwork net = newStudent(4)) {
            List<Sample> nothing = train.subList(0, 32).stream()
                    .map(s -> new Sample(s.requestId(), s.input(), null, Sample.NO_LABEL, 1f)).toList();
            double[][] before = net.logProbs(holdout.subList(0, 20));
            StudentNetwork.StepResult r = net.train(nothing, 0f, 4f, AdaptiveWeighting.NONE);
            assertEquals(0f, r.loss());
            assertEquals(0, net.optimizerSteps());
            assertArrayEquals(flatten(before), flatten(net.logProbs(holdout.subList(0, 20))), 0);
            // one labelled sample is enough for a step
            List<Sample> one = new java.util.ArrayList<>(nothing);
            one.set(0, new Sample("labelled", train.get(0).input(), null, train.get(0).hardLabel(), 1f));
            net.train(one, 0f, 4f, AdaptiveWeighting.NONE);
            assertEquals(1, net.optimizerSteps());
        }
    }

    @Test
    void checkpointRestoresParametersAndOptimizerStateExactly() throws Exception {
        try (StudentNetwork a = newStudent(2); StudentNetwork b = newStudent(3)) {
            epochs(a, train.subList(0, 640), 1);
            Checkpoint cp = CheckpointReader.read(CheckpointWriter.write(a.checkpoint(Map.of("step", "10"))));
            b.restore(cp);
            assertEquals(a.optimizerSteps(), b.optimizerSteps());
            assertArrayEquals(flatten(a.logProbs(holdout.subList(0, 50))), flatten(b.logProbs(holdout.subList(0, 50))), 0);
            // The next step depends on Adam's moments: equal results prove the optimizer state came back too.
            List<Sample> next = train.subList(640, 704);
            a.train(next, 0.7f, 2f, AdaptiveWeighting.NONE);
            b.train(next, 0.7f, 2f, AdaptiveWeighting.NONE);
            assertArrayEquals(flatten(a.logProbs(holdout.subList(0, 50))), flatten(b.logProbs(holdout.subList(0, 50))),
                    1e-5);
        }
    }

    @Test
    void restoringOnlyParametersWithoutMomentsDiverges() throws Exception {
        try (StudentNetwork a = newStudent(2); StudentNetwork b = newStudent(3)) {
            epochs(a, train.subList(0, 640), 1);
            b.loadParameters(a.checkpoint(Map.of()).parameters());
            List<Sample> next = train.subList(640, 704);
            a.train(next, 0.7f, 2f, AdaptiveWeighting.NONE);
            b.train(next, 0.7f, 2f, AdaptiveWeighting.NONE);
            double[] pa = flatten(a.logProbs(holdout.subList(0, 50)));
            double[] pb = flatten(b.logProbs(holdout.subList(0, 50)));
            double maxDiff = 0;
            for (int i = 0; i < pa.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(pa[i] - pb[i]));
            }
            assertTrue(maxDiff > 1e-3, "fresh moments should give a different step, max diff " + maxDiff);
        }
    }

    @Test
    void gateRejectsAGenuinelyDegradedCandidate() throws Exception {
        try (StudentNetwork net = newStudent(4)) {
            epochs(net, train, 2);
            List<NamedTensor> good = net.checkpoint(Map.of()).parameters();
            try (PublishedNetwork published = new PublishedNetwork(net.manager(), net.spec(), net.inputShape(),
                    net.numClasses(), good, 1)) {
                // Degrade the candidate: every weight gets Gaussian noise as large as the weights themselves.
                Random r = new Random(9);
                List<NamedTensor> noisy = new ArrayList<>();
                for (NamedTensor t : good) {
                    float[] d = t.data().clone();
                    for (int i = 0; i < d.length; i++) {
                        d[i] += (float) (r.nextGaussian() * 0.3);
                    }
                    noisy.add(new NamedTensor(t.name(), t.shape(), d));
                }
                net.loadParameters(noisy);
                double[][] candidate = net.logProbs(holdout);
                double[][] previous = published.logProbs(holdout);
                HoldoutMetrics cm = HoldoutScorer.score(holdout, candidate);
                HoldoutMetrics pm = HoldoutScorer.score(holdout, previous);
                GateDecision decision = new QualityGate(GatePolicy.defaults())
                        .decide(net.weightsFinite(), cm, pm, HoldoutScorer.churn(candidate, previous), 1_000_000);
                assertEquals(GateDecision.Verdict.REJECT, decision.verdict(), decision.reason());
                assertTrue(decision.churn() > 0.1, "churn " + decision.churn());
                // The published version itself passes against itself.
                assertTrue(new QualityGate(GatePolicy.defaults()).decide(true, pm, pm, 0, 0).publish());
            }
        }
    }

    @Test
    void trainsOnAThreadOfItsOwn() throws Exception {
        try (StudentNetwork net = newStudent(7)) {
            Throwable[] failure = new Throwable[1];
            Thread t = new Thread(() -> {
                try {
                    net.train(train.subList(0, 64), 0.7f, 2f, AdaptiveWeighting.NONE);
                    net.train(train.subList(64, 128), 0.7f, 2f, AdaptiveWeighting.NONE);
                } catch (Throwable e) {
                    failure[0] = e;
                }
            }, "training-thread");
            t.start();
            t.join();
            assertEquals(null, failure[0]);
            assertEquals(2, net.optimizerSteps());
        }
    }

    @Test
    void nonFiniteWeightsAreDetected() throws Exception {
        try (StudentNetwork net = newStudent(5)) {
            List<NamedTensor> params = new ArrayList<>(net.checkpoint(Map.of()).parameters());
            NamedTensor first = params.get(0);
            float[] d = first.data().clone();
            d[3] = Float.NaN;
            params.set(0, new NamedTensor(first.name(), first.shape(), d));
            net.loadParameters(params);
            assertFalse(net.weightsFinite());
        }
    }

    @Test
    void disagreementWeightingTrainsToo() {
        try (StudentNetwork net = newStudent(6)) {
            for (int from = 0; from < 1280; from += 64) {
                StudentNetwork.StepResult r = net.train(train.subList(from, from + 64), 0.9f, 4f,
                        AdaptiveWeighting.DISAGREEMENT);
                assertTrue(Float.isFinite(r.loss()) && r.gradientNorm() > 0);
            }
            assertTrue(HoldoutScorer.score(holdout, net.logProbs(holdout)).agreement() > 0.5);
        }
    }

    private static double[] flatten(double[][] rows) {
        double[] out = new double[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, out, i * rows[0].length, rows[0].length);
        }
        return out;
    }

    @Test
    void theCodistillationTermPullsTheStudentTowardsItsPeers() {
        List<Sample> batch = train.subList(0, 64);
        // A peer that is sure of class 3 for every input: the student's probability of class 3 must grow faster
        // with the peer term than without it, from the same start.
        float[][] peer = new float[batch.size()][FashionSamples.CLASSES];
        for (float[] row : peer) {
            for (int c = 0; c < row.length; c++) {
                row[c] = (float) Math.log(c == 3 ? 0.91 : 0.01);
            }
        }
        try (StudentNetwork alone = newStudent(5); StudentNetwork codistilled = newStudent(5)) {
            float lossAlone = alone.train(batch, 0.7f, 2f, AdaptiveWeighting.NONE, null, null, 0f).loss();
            float lossCodistilled = codistilled.train(batch, 0.7f, 2f, AdaptiveWeighting.NONE, peer, null, 1f).loss();
            assertTrue(lossCodistilled > lossAlone, "the peer term adds a positive KL: " + lossCodistilled + " vs " + lossAlone);
            for (int i = 0; i < 5; i++) {
                alone.train(batch, 0.7f, 2f, AdaptiveWeighting.NONE, null, null, 0f);
                codistilled.train(batch, 0.7f, 2f, AdaptiveWeighting.NONE, peer, null, 1f);
            }
            double[][] a = alone.logProbs(batch);
            double[][] c = codistilled.logProbs(batch);
            double meanA = 0;
            double meanC = 0;
            for (int i = 0; i < a.length; i++) {
                meanA += Math.exp(a[i][3]) / a.length;
                meanC += Math.exp(c[i][3]) / c.length;
            }
            assertTrue(meanC > meanA + 0.05, "P(class 3): codistilled " + meanC + " vs alone " + meanA);
        }
    }
}
