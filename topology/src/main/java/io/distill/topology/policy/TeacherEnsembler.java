package io.distill.topology.policy;

import io.distill.core.softtarget.EnsembleResult;
import io.distill.core.softtarget.EnsembleWeighting;
import io.distill.core.softtarget.SoftTargets;
import io.distill.schema.LabelSpace;
import io.distill.schema.SoftLabel;
import io.distill.schema.TeacherContribution;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * Combines the soft labels of the teachers that answered one request, in probability space, with
 * core's {@link SoftTargets#ensemble}: fixed prior weights per teacher, or those priors times each
 * teacher's per-example confidence. Refuses outputs over different label spaces.
 */
public final class TeacherEnsembler {

    private final ToDoubleFunction<String> priorWeight;
    private final EnsembleWeighting weighting;

    public TeacherEnsembler(ToDoubleFunction<String> priorWeight, EnsembleWeighting weighting) {
        this.priorWeight = priorWeight;
        this.weighting = weighting;
    }

    /**
     * @param labels one soft label per teacher, at least one
     * @return the combined target
     * @throws LabelSpaceMismatchException when the label spaces differ in id or version
     */
    public EnsembledTarget combine(List<SoftLabel> labels) {
        List<SoftLabel> ordered = new ArrayList<>(labels);
        ordered.sort(Comparator.comparing(SoftLabel::getTeacherId));
        LabelSpace space = ordered.get(0).getLabelSpace();
        int classes = ordered.get(0).getTarget().getNumClasses();
        for (SoftLabel label : ordered) {
            if (label.getTarget().getNumClasses() != classes) {
                throw new LabelSpaceMismatchException("teachers disagree on the size of " + describe(space) + ": "
                        + ordered.get(0).getTeacherId() + " " + classes + " classes, " + label.getTeacherId() + " "
                        + label.getTarget().getNumClasses(), label);
            }
            if (!sameSpace(space, label.getLabelSpace())) {
                throw new LabelSpaceMismatchException("teachers disagree on the label space: "
                        + ordered.get(0).getTeacherId() + " " + describe(space) + ", "
                        + label.getTeacherId() + " " + describe(label.getLabelSpace()), label);
            }
        }
        List<double[]> logProbs = new ArrayList<>(ordered.size());
        double[] priors = new double[ordered.size()];
        for (int i = 0; i < ordered.size(); i++) {
            logProbs.add(SoftTargets.logProbs(ordered.get(i).getTarget()));
            priors[i] = priorWeight.applyAsDouble(ordered.get(i).getTeacherId());
        }
        if (java.util.Arrays.stream(priors).sum() <= 0) {
            java.util.Arrays.fill(priors, 1.0);
        }
        EnsembleResult result = SoftTargets.ensemble(logProbs, priors, weighting);
        List<TeacherContribution> contributions = new ArrayList<>(ordered.size());
        for (int i = 0; i < ordered.size(); i++) {
            contributions.add(TeacherContribution.newBuilder()
                    .setTeacherId(ordered.get(i).getTeacherId())
                    .setTeacherVersion(ordered.get(i).getTeacherVersion())
                    .setWeight((float) result.weights()[i])
                    .build());
        }
        return new EnsembledTarget(result.toSoftTarget(), space, contributions, result.confidence(),
                SoftTargets.argmax(result.logProbs()));
    }

    /** @return true when two label spaces have the same id and version */
    public static boolean sameSpace(LabelSpace a, LabelSpace b) {
        return a.getId().equals(b.getId()) && a.getVersion() == b.getVersion();
    }

    public static String describe(LabelSpace space) {
        return space.getId() + "/v" + space.getVersion();
    }
}
