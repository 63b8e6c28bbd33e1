package io.distill.trainer.tuning;

import io.distill.trainer.data.Sample;
import io.distill.trainer.eval.HoldoutMetrics;
import io.distill.trainer.schedule.DistillationStage;
import io.distill.trainer.schedule.ProgressiveSchedule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Decides the temperature and alpha the trainer distils with. With tuning off it is the progressive schedule's
 * stage. With tuning on the tuner owns both values and the schedule is ignored: training runs in windows of
 * {@code windowSamples} samples; at the end of each the current student is scored on a frozen hold-out snapshot,
 * the objective's gain over the window is handed to the policy, and the policy's choice holds for the next window.
 * Every change is logged at INFO with the old and new values, the metrics and the reason, and kept as the last
 * {@link TuningChange}.
 *
 * <p>Driven by the training thread only; the current setting and the counts may be read from any thread.
 */
public final class DistillationTuner {

    private static final Logger log = LoggerFactory.getLogger(DistillationTuner.class);

    private final TuningSettings settings;
    private final ProgressiveSchedule schedule;
    private final TuningPolicy policy;
    private volatile int arm;
    private long windowStart;
    private List<Sample> evaluationSet;
    private double baselineScore = Double.NaN;
    private int windowsOnSet;
    private volatile long windows;
    private volatile long changes;
    private volatile TuningChange lastChange;

    public DistillationTuner(TuningSettings settings, ProgressiveSchedule schedule) {
        this.settings = settings;
        this.schedule = schedule;
        this.policy = settings.mode() == TuningMode.OFF ? null : settings.policy();
        this.arm = policy == null ? 0 : policy.first();
        if (policy != null && schedule.stages().size() > 1) {
            log.warn("Self-tuning ({}) owns temperature and alpha: the progressive schedule {} is ignored",
                    mode(), schedule);
        }
    }

    public boolean enabled() {
        return policy != null;
    }

    public String mode() {
        return settings.mode().name().toLowerCase(Locale.ROOT);
    }

    /** Temperature and alpha for a batch trained after {@code samplesSeen} samples. */
    public DistillationStage setting(long samplesSeen) {
        if (policy == null) {
            return schedule.at(samplesSeen);
        }
        DistillationSetting s = settings.grid().get(arm);
        return new DistillationStage(samplesSeen, s.temperature(), s.alpha());
    }

    /** The tuner's current candidate (tuning on) or the schedule's stage turned into a setting (tuning off). */
    public DistillationSetting current(long samplesSeen) {
        DistillationStage s = setting(samplesSeen);
        return new DistillationSetting(s.temperature(), s.alpha());
    }

    /** Continues a restored lineage with the setting its checkpoint was trained with, when that is a candidate. */
    public void resumeWith(DistillationSetting setting) {
        int i = settings.grid().indexOf(setting);
        if (policy != null && i >= 0) {
            arm = i;
            policy.resumeWith(i);
            log.info("Self-tuning ({}) resumes with {} from the restored checkpoint", mode(), setting);
        }
    }

    /**
     * Ends the evaluation window when {@code windowSamples} were trained since it began: scores the student, asks the
     * policy and switches the setting. Returns the change, if one was made. Until the hold-out holds
     * {@code minHoldout} examples nothing is scored; the call that finds enough freezes the evaluation snapshot,
     * scores the student on it as the baseline and starts the first window.
     *
     * @param holdout a snapshot of the hold-out set (taken only when a new evaluation set is needed)
     * @param scorer  scores the current student on the given examples
     */
    public Optional<TuningChange> afterStep(long samplesSeen, Supplier<List<Sample>> holdout,
                                            Function<List<Sample>, HoldoutMetrics> scorer) {
        if (policy == null) {
            return Optional.empty();
        }
        if (evaluationSet == null) {
            // The first window starts once the hold-out set is large enough to score the student on.
            renewEvaluationSet(holdout, scorer);
            windowStart = samplesSeen;
            return Optional.empty();
        }
        if (samplesSeen - windowStart < settings.windowSamples()) {
            return Optional.empty();
        }
        windowStart = samplesSeen;
        HoldoutMetrics metrics = scorer.apply(evaluationSet);
        double score = settings.objective().score(metrics);
        double gain = score - baselineScore;
        baselineScore = score;
        windows++;
        windowsOnSet++;
        DistillationSetting from = settings.grid().get(arm);
        TuningPolicy.Choice choice = policy.next(arm, gain);
        Optional<TuningChange> change = Optional.empty();
        if (choice.arm() != arm) {
            arm = choice.arm();
            changes++;
            lastChange = new TuningChange(samplesSeen, from, settings.grid().get(arm), metrics, gain,
                    choice.reason());
            log.info("Self-tuning ({}): temperature {} -> {}, alpha {} -> {} at {} samples; hold-out {} {}"
                            + " (gain {}), agreement {}, accuracy {}, kl {}; {}", mode(), from.temperature(),
                    lastChange.to().temperature(), from.alpha(), lastChange.to().alpha(), samplesSeen,
                    settings.objective().name().toLowerCase(Locale.ROOT), fmt(score), fmt(gain),
                    fmt(metrics.agreement()), fmt(metrics.accuracy()), fmt(metrics.kl()), choice.reason());
            change = Optional.of(lastChange);
        } else {
            log.debug("Self-tuning ({}): keeping {} at {} samples (gain {}; {})", mode(), from, samplesSeen,
                    fmt(gain), choice.reason());
        }
        if (windowsOnSet >= settings.refreshWindows()) {
            renewEvaluationSet(holdout, scorer);
            windowStart = samplesSeen;
        }
        return change;
    }

    private void renewEvaluationSet(Supplier<List<Sample>> holdout, Function<List<Sample>, HoldoutMetrics> scorer) {
        List<Sample> snapshot = holdout.get();
        if (snapshot.size() < settings.minHoldout()) {
            log.debug("Self-tuning waits for {} hold-out examples (has {})", settings.minHoldout(), snapshot.size());
            evaluationSet = null;
            return;
        }
        // The newest examples: the hold-out set is kept oldest first.
        int from = Math.max(0, snapshot.size() - settings.evalExamples());
        evaluationSet = List.copyOf(new ArrayList<>(snapshot.subList(from, snapshot.size())));
        baselineScore = settings.objective().score(scorer.apply(evaluationSet));
        windowsOnSet = 0;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    /** Windows scored so far. */
    public long windows() {
        return windows;
    }

    /** Setting changes made so far. */
    public long changes() {
        return changes;
    }

    public Optional<TuningChange> lastChange() {
        return Optional.ofNullable(lastChange);
    }
}
