package io.distill.trainer.model;

import ai.djl.Device;
import io.distill.core.architecture.ArchitectureSpec;
import io.distill.trainer.adaptive.AdaptiveWeighting;
import io.distill.trainer.data.Sample;
import io.distill.trainer.testdata.FashionSamples;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The trainer's hot paths leave no native arrays behind: after the first round of training steps, evaluations,
 * gate checks and checkpoints, further rounds do not add to the arrays the network's manager holds (a leak there is
 * native memory the JVM's heap figures do not show).
 */
class StudentNetworkArraysTest {

    private static List<Sample> train;
    private static List<Sample> holdout;

    @BeforeAll
    static void data() throws Exception {
        train = FashionSamples.train(0, 640);
        holdout = FashionSamples.test(300);
    }

    private static StudentNetwork newStudent(double clipNorm) {
        return new StudentNetwork(ArchitectureSpec.mlp(List.of(32), 0.0), FashionSamples.SHAPE,
                FashionSamples.labelSpace(), FashionSamples.CLASSES,
                new OptimizerSettings("adam", 2e-3f, "constant", 0f, 0.9f, clipNorm), Device.cpu(), 7);
    }

    /** One round of what the trainer does between publications. */
    private static void round(StudentNetwork net, int round) throws Exception {
        int from = (round * 64) % train.size();
        net.train(train.subList(from, from + 64), 0.7f, 2f, AdaptiveWeighting.NONE);
        net.logProbs(holdout);
        net.quantizedLogProbs(holdout.subList(0, 50));
        assertTrue(net.weightsFinite());
        try (PublishedNetwork published = new PublishedNetwork(net.manager(), net.spec(), net.inputShape(),
                net.numClasses(), net.checkpoint(Map.of()).parameters(), round)) {
            published.logProbs(holdout.subList(0, 50));
        }
    }

    @Test
    void stepsEvaluationsAndCheckpointsHoldNoMoreArraysThanAfterTheFirst() throws Exception {
        for (double clipNorm : new double[]{5.0, 0.0}) {
            try (StudentNetwork net = newStudent(clipNorm)) {
                round(net, 0);
                int settled = net.liveArrays();
                for (int i = 1; i <= 10; i++) {
                    round(net, i);
                }
                assertEquals(settled, net.liveArrays(), "arrays held after 1 round and after 11, clip norm " + clipNorm);
            }
        }
    }
}
