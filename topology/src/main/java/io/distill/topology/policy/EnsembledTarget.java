package io.distill.topology.policy;

import io.distill.schema.LabelSpace;
import io.distill.schema.SoftTarget;
import io.distill.schema.TeacherContribution;
import java.util.List;

/**
 * The teachers' combined target for one request.
 *
 * @param target the mixture, dense, temperature 1
 * @param labelSpace the label space all teachers shared
 * @param contributions each teacher and its normalised weight
 * @param confidence the mixture's confidence in [0, 1] (1 − H/ln C), used as the example weight
 * @param argmax the mixture's most likely class
 */
public record EnsembledTarget(
        SoftTarget target, LabelSpace labelSpace, List<TeacherContribution> contributions, double confidence, int argmax) {}
