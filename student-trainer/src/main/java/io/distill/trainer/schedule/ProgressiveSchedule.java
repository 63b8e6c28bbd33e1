package io.distill.trainer.schedule;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Progressive distillation: temperature and alpha as a function of samples seen, declared as stages
 * {@code start:temperature:alpha} separated by commas, e.g. {@code 0:4:0.9,50000:2:0.7,200000:1:0.5}. With
 * {@link Interpolation#STEP} each stage holds until the next one starts; with {@link Interpolation#LINEAR} the values
 * are annealed linearly between stage starts and the last stage holds forever.
 */
public final class ProgressiveSchedule {

    public enum Interpolation { STEP, LINEAR }

    private final List<DistillationStage> stages;
    private final Interpolation interpolation;

    public ProgressiveSchedule(List<DistillationStage> stages, Interpolation interpolation) {
        if (stages.isEmpty()) {
            throw new IllegalArgumentException("a schedule needs at least one stage");
        }
        List<DistillationStage> sorted = new ArrayList<>(stages);
        sorted.sort(Comparator.comparingLong(DistillationStage::startSamples));
        if (sorted.get(0).startSamples() != 0) {
            throw new IllegalArgumentException("the first stage must start at 0 samples");
        }
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).startSamples() == sorted.get(i - 1).startSamples()) {
                throw new IllegalArgumentException("two stages start at " + sorted.get(i).startSamples());
            }
        }
        this.stages = List.copyOf(sorted);
        this.interpolation = interpolation;
    }

    /** A single stage: constant temperature and alpha. */
    public static ProgressiveSchedule constant(double temperature, double alpha) {
        return new ProgressiveSchedule(List.of(new DistillationStage(0, temperature, alpha)), Interpolation.STEP);
    }

    /** Parses {@code start:temperature:alpha[,start:temperature:alpha...]}. */
    public static ProgressiveSchedule parse(String spec, Interpolation interpolation) {
        List<DistillationStage> stages = new ArrayList<>();
        for (String part : spec.split(",")) {
            String[] f = part.trim().split(":");
            if (f.length != 3) {
                throw new IllegalArgumentException("stage '" + part + "' is not start:temperature:alpha");
            }
            try {
                stages.add(new DistillationStage(Long.parseLong(f[0].trim()), Double.parseDouble(f[1].trim()),
                        Double.parseDouble(f[2].trim())));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("stage '" + part + "' is not start:temperature:alpha", e);
            }
        }
        return new ProgressiveSchedule(stages, interpolation);
    }

    /** Temperature and alpha after {@code samplesSeen} samples. */
    public DistillationStage at(long samplesSeen) {
        int i = stages.size() - 1;
        while (i > 0 && stages.get(i).startSamples() > samplesSeen) {
            i--;
        }
        DistillationStage current = stages.get(i);
        if (interpolation == Interpolation.STEP || i == stages.size() - 1) {
            return current;
        }
        DistillationStage next = stages.get(i + 1);
        double f = (double) (samplesSeen - current.startSamples()) / (next.startSamples() - current.startSamples());
        return new DistillationStage(samplesSeen,
                current.temperature() + f * (next.temperature() - current.temperature()),
                current.alpha() + f * (next.alpha() - current.alpha()));
    }

    public List<DistillationStage> stages() {
        return stages;
    }

    public Interpolation interpolation() {
        return interpolation;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (DistillationStage s : stages) {
            if (!sb.isEmpty()) {
                sb.append(',');
            }
            sb.append(String.format(Locale.ROOT, "%d:%s:%s", s.startSamples(), s.temperature(), s.alpha()));
        }
        return sb + " (" + interpolation.name().toLowerCase(Locale.ROOT) + ")";
    }
}
