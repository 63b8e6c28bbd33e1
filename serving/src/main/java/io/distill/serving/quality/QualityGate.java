package io.distill.serving.quality;

/**
 * When live agreement counts as a drop: at least {@code minSamples} compared requests in the window and agreement
 * below {@code threshold}. {@code rollback} says whether a drop also rolls the fleet back.
 */
public record QualityGate(double threshold, int window, int minSamples, boolean rollback) {

    public QualityGate {
        if (threshold < 0 || threshold > 1) {
            throw new IllegalArgumentException("threshold must lie in [0, 1]: " + threshold);
        }
        if (window < 1 || minSamples < 1 || minSamples > window) {
            throw new IllegalArgumentException("need 1 <= minSamples <= window, got " + minSamples + " and " + window);
        }
    }

    boolean dropped(AgreementWindow w) {
        return w.size() >= minSamples && w.agreement() < threshold;
    }
}
