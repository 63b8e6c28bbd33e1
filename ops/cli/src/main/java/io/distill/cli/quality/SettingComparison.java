package io.distill.cli.quality;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The answers the rows that differ only in trainer settings give, all on the same examples: how much augmentation adds
 * to the plain distilled row, and how the self-tuned rows do against the best fixed temperature/alpha row.
 *
 * <p>The best fixed row is chosen as a trainer could choose it: by the hold-out agreement with the teacher in the
 * manifest of its last published version (the self-tuner's default objective; the hold-out accuracy rests on the few
 * hold-out examples whose label arrived), ties broken by hold-out accuracy. Only when no fixed row carries hold-out
 * metrics is the test accuracy used, which favours the fixed side, and {@link #bestFixedChosenBy()} says so.
 */
public final class SettingComparison {

    /** How the best fixed row was chosen. */
    public enum Choice {
        HOLDOUT_AGREEMENT, TEST_ACCURACY
    }

    private final QualityExperiment.Result result;

    public SettingComparison(QualityExperiment.Result result) {
        this.result = result;
    }

    /** True when the run has rows beyond the plain ones, so the comparison has something to say. */
    public boolean applies() {
        return !scored(StudentRow.Kind.AUGMENTED).isEmpty() || !scored(StudentRow.Kind.SELF_TUNED).isEmpty()
                || scored(StudentRow.Kind.FIXED).size() > 1;
    }

    /** The scored rows of one kind, in run order. */
    public List<QualityExperiment.RowResult> scored(StudentRow.Kind kind) {
        return result.rows().stream().filter(r -> r.row().kind() == kind && !r.curve().isEmpty()).toList();
    }

    /** The plain distilled row, the reference of the augmented rows. */
    public Optional<QualityExperiment.RowResult> plainDistilled() {
        return Optional.ofNullable(result.row("distilled")).filter(r -> !r.curve().isEmpty());
    }

    /** Test accuracy of {@code augmented} minus that of the plain distilled row, in points; NaN without that row. */
    public double augmentedMinusDistilledPoints(QualityExperiment.RowResult augmented) {
        return plainDistilled().map(d -> 100 * (augmented.accuracy() - d.accuracy())).orElse(Double.NaN);
    }

    public Choice bestFixedChosenBy() {
        boolean holdout = scored(StudentRow.Kind.FIXED).stream().anyMatch(r -> !Double.isNaN(agreement(r)));
        return holdout ? Choice.HOLDOUT_AGREEMENT : Choice.TEST_ACCURACY;
    }

    /** The best fixed row by hold-out agreement (or by test accuracy where no row has hold-out metrics). */
    public Optional<QualityExperiment.RowResult> bestFixed() {
        if (bestFixedChosenBy() == Choice.TEST_ACCURACY) {
            return bestFixedByTest();
        }
        Comparator<QualityExperiment.RowResult> byHoldout = Comparator
                .comparingDouble((QualityExperiment.RowResult r) -> orMin(agreement(r)))
                .thenComparingDouble(r -> orMin(holdoutAccuracy(r)));
        return scored(StudentRow.Kind.FIXED).stream().max(byHoldout);
    }

    /** The best fixed row by test accuracy: known only afterwards, so it flatters the fixed side. */
    public Optional<QualityExperiment.RowResult> bestFixedByTest() {
        return scored(StudentRow.Kind.FIXED).stream().max(Comparator.comparingDouble(QualityExperiment.RowResult::accuracy));
    }

    /** Test accuracy of {@code tuned} minus that of {@code fixed}, in points. */
    public static double minusPoints(QualityExperiment.RowResult tuned, QualityExperiment.RowResult fixed) {
        return 100 * (tuned.accuracy() - fixed.accuracy());
    }

    /** Hold-out agreement with the teacher of the row's last published version; NaN when its manifest has none. */
    public static double agreement(QualityExperiment.RowResult r) {
        return r.last() == null ? Double.NaN : r.last().holdoutMetric("agreement");
    }

    /** Hold-out accuracy on the labelled hold-out examples of the row's last published version; NaN when none. */
    public static double holdoutAccuracy(QualityExperiment.RowResult r) {
        return r.last() == null ? Double.NaN : r.last().holdoutMetric("accuracy");
    }

    private static double orMin(double v) {
        return Double.isNaN(v) ? Double.NEGATIVE_INFINITY : v;
    }
}
