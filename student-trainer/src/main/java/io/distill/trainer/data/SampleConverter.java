package io.distill.trainer.data;

import io.distill.core.deadletter.ReasonCode;
import io.distill.core.softtarget.SoftTargetValidationException;
import io.distill.core.softtarget.SoftTargets;
import io.distill.core.tensor.TensorCodec;
import io.distill.core.tensor.TensorValidationException;
import io.distill.schema.LabelSpace;
import io.distill.schema.TeacherContribution;
import io.distill.schema.TeacherRef;
import io.distill.schema.TrainingExample;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Turns a decoded {@link TrainingExample} into a {@link Sample} for the student: checks the label space, decodes the
 * input tensor and densifies the teacher's target (dense, or top-k with tail mass) into temperature-1 log-probabilities
 * with core's soft-target code. The input shape is either configured or taken from the first example seen, after which
 * every example must match it. Throws {@link InvalidExampleException} with a reason code for anything it cannot use.
 */
public final class SampleConverter {

    private final String labelSpaceId;
    private final int labelSpaceVersion;
    private final int numClasses;
    private final AtomicReference<int[]> inputShape;
    private final Map<String, TeacherRef> teachersSeen = new ConcurrentHashMap<>();

    public SampleConverter(String labelSpaceId, int labelSpaceVersion, int numClasses, int[] inputShape) {
        this.labelSpaceId = labelSpaceId;
        this.labelSpaceVersion = labelSpaceVersion;
        this.numClasses = numClasses;
        this.inputShape = new AtomicReference<>(inputShape == null ? null : inputShape.clone());
    }

    /** The input shape, once known (configured or from the first example); {@code null} before. */
    public int[] inputShape() {
        int[] s = inputShape.get();
        return s == null ? null : s.clone();
    }

    public int numClasses() {
        return numClasses;
    }

    /** Every teacher (id and version) whose labels were in an example converted so far, ordered by id then version. */
    public List<TeacherRef> teachersSeen() {
        List<TeacherRef> teachers = new ArrayList<>(teachersSeen.values());
        teachers.sort(Comparator.comparing(TeacherRef::getTeacherId).thenComparing(TeacherRef::getTeacherVersion));
        return teachers;
    }

    public Sample convert(TrainingExample example) throws InvalidExampleException {
        return convert(example, false);
    }

    /**
     * @param keepUnlabelled true to keep an example with neither a teacher target nor a hard label (a codistilling
     *     trainer's peer-only sample); false refuses it
     */
    public Sample convert(TrainingExample example, boolean keepUnlabelled) throws InvalidExampleException {
        LabelSpace space = example.getLabelSpace();
        if (!labelSpaceId.contentEquals(space.getId()) || space.getVersion() != labelSpaceVersion) {
            throw new InvalidExampleException(ReasonCode.LABEL_SPACE_MISMATCH, "label space " + space.getId() + " v"
                    + space.getVersion() + ", the student learns " + labelSpaceId + " v" + labelSpaceVersion);
        }
        if (example.getInput() == null) {
            throw new InvalidExampleException(ReasonCode.INVALID_RECORD, "example without input");
        }
        if (example.getTarget() == null && example.getHardLabel() == null && !keepUnlabelled) {
            throw new InvalidExampleException(ReasonCode.INVALID_RECORD, "example with neither a teacher target nor a hard label");
        }
        Integer label = example.getHardLabel();
        if (label != null && (label < 0 || label >= numClasses)) {
            throw new InvalidExampleException(ReasonCode.LABEL_OUT_OF_RANGE, "hard label " + label + " outside [0, " + numClasses + ")");
        }
        if (!(example.getWeight() >= 0) || Float.isInfinite(example.getWeight())) {
            throw new InvalidExampleException(ReasonCode.INVALID_RECORD, "weight " + example.getWeight());
        }
        float[] input;
        float[] teacher = null;
        try {
            int[] shape = inputShape.get();
            if (shape == null) {
                inputShape.compareAndSet(null, TensorCodec.shape(example.getInput()));
                shape = inputShape.get();
            }
            input = TensorCodec.decode(example.getInput(), shape);
            if (example.getTarget() != null) {
                SoftTargets.validate(example.getTarget(), numClasses);
                teacher = SoftTargets.logProbsAsFloats(example.getTarget());
            }
        } catch (TensorValidationException e) {
            throw new InvalidExampleException(InvalidExampleException.reasonOf(e.reasonCode()), e.getMessage() + " (expected input shape "
                    + Arrays.toString(inputShape.get()) + ")");
        } catch (SoftTargetValidationException e) {
            throw new InvalidExampleException(InvalidExampleException.reasonOf(e.reasonCode()), e.getMessage());
        }
        for (TeacherContribution c : example.getTeachers()) {
            teachersSeen.computeIfAbsent(c.getTeacherId() + '\u0000' + c.getTeacherVersion(),
                    k -> new TeacherRef(c.getTeacherId(), c.getTeacherVersion()));
        }
        return new Sample(example.getRequestId().toString(), input, teacher,
                label == null ? Sample.NO_LABEL : label, example.getWeight());
    }
}
