package io.distill.teacher.service;

import io.distill.core.softtarget.SoftTargets;
import io.distill.schema.InferenceRequest;
import io.distill.schema.LabelSpace;
import io.distill.schema.Prediction;
import io.distill.schema.SoftLabel;
import io.distill.schema.SoftTarget;
import io.distill.teacher.model.TeacherModel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a teacher's outputs for one request from its temperature-1 log-probabilities, stamped with
 * the teacher's id, version and label space. The soft-target math (top-k with tail mass, argmax) is
 * core's {@link SoftTargets}.
 */
public final class SoftLabelFactory {

    private final String teacherId;
    private final String teacherVersion;
    private final LabelSpace labelSpace;
    private final SoftLabelForm form;
    private final int topK;

    public SoftLabelFactory(TeacherModel teacher, SoftLabelForm form, int topK) {
        this.teacherId = teacher.id();
        this.teacherVersion = teacher.version();
        this.labelSpace = teacher.labelSpace();
        this.form = form;
        this.topK = Math.min(topK, teacher.numClasses());
    }

    /**
     * @param request the request answered
     * @param result the teacher's answer
     * @param producedAt when the answer was produced
     * @return the soft label
     */
    public SoftLabel softLabel(InferenceRequest request, InferenceResult result, Instant producedAt) {
        double[] logProbs = toDoubles(result.logProbs());
        SoftTarget target = form == SoftLabelForm.DENSE ? SoftTargets.dense(logProbs) : SoftTargets.topK(logProbs, topK);
        return SoftLabel.newBuilder()
                .setRequestId(request.getRequestId())
                .setTeacherId(teacherId)
                .setTeacherVersion(teacherVersion)
                .setLabelSpace(labelSpace)
                .setTarget(target)
                .setArgmax(SoftTargets.argmax(logProbs))
                .setLatencyMicros(result.batchLatencyMicros())
                .setRequestTime(request.getEventTime())
                .setProducedAt(producedAt)
                .build();
    }

    /**
     * @param request the request answered
     * @param result the teacher's answer
     * @param producedAt when the answer was produced
     * @return the prediction for applications that use the teacher as their model
     */
    public Prediction prediction(InferenceRequest request, InferenceResult result, Instant producedAt) {
        double[] logProbs = toDoubles(result.logProbs());
        double[] probs = SoftTargets.exp(logProbs);
        List<Float> probabilities = new ArrayList<>(probs.length);
        for (double p : probs) {
            probabilities.add((float) p);
        }
        return Prediction.newBuilder()
                .setRequestId(request.getRequestId())
                .setModelName(teacherId)
                .setModelVersion(teacherVersion)
                .setLabelSpace(labelSpace)
                .setPredictedClass(SoftTargets.argmax(logProbs))
                .setProbabilities(probabilities)
                .setLatencyMicros(result.batchLatencyMicros())
                .setProducedAt(producedAt)
                .build();
    }

    private static double[] toDoubles(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
