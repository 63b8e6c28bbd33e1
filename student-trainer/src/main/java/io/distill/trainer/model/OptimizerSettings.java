package io.distill.trainer.model;

import ai.djl.training.tracker.Tracker;
import io.distill.trainer.optim.Adam;
import io.distill.trainer.optim.LearningRateSchedule;
import io.distill.trainer.optim.SgdMomentum;
import io.distill.trainer.optim.StatefulOptimizer;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Optimizer, learning-rate schedule, weight decay and gradient clipping as configured.
 *
 * @param kind          {@code adam}, {@code adamw} or {@code sgd} (SGD with momentum)
 * @param learningRate  the base (peak) learning rate
 * @param schedule      {@code constant}, {@code cosine[:warmup=<steps>,total=<steps>,floor=<lr>]} or
 *                      {@code step[:every=<steps>,gamma=<factor>,warmup=<steps>]}
 * @param weightDecay   L2 (adam, sgd) or decoupled (adamw) weight decay
 * @param momentum      SGD momentum
 * @param clipNorm      clip gradients to this global L2 norm; 0 disables clipping
 */
public record OptimizerSettings(String kind, float learningRate, String schedule, float weightDecay, float momentum,
                                double clipNorm) {

    public static OptimizerSettings defaults() {
        return new OptimizerSettings("adam", 1e-3f, "constant", 0f, 0.9f, 5.0);
    }

    public StatefulOptimizer build() {
        Tracker lr = learningRateSchedule();
        switch (kind.toLowerCase(Locale.ROOT)) {
            case "adam":
                return Adam.builder().optLearningRate(lr).optWeightDecays(weightDecay).build();
            case "adamw":
                return Adam.adamW(weightDecay).optLearningRate(lr).build();
            case "sgd":
                return SgdMomentum.builder().optLearningRate(lr).optMomentum(momentum).optWeightDecays(weightDecay)
                        .build();
            default:
                throw new IllegalArgumentException("optimizer must be adam, adamw or sgd: '" + kind + "'");
        }
    }

    public LearningRateSchedule learningRateSchedule() {
        String s = schedule.trim().toLowerCase(Locale.ROOT);
        String name = s.contains(":") ? s.substring(0, s.indexOf(':')) : s;
        Map<String, String> args = new HashMap<>();
        if (s.contains(":")) {
            for (String kv : s.substring(s.indexOf(':') + 1).split(",")) {
                String[] p = kv.split("=");
                if (p.length != 2) {
                    throw new IllegalArgumentException("schedule argument '" + kv + "' is not name=value");
                }
                args.put(p[0].trim(), p[1].trim());
            }
        }
        switch (name) {
            case "constant":
                return LearningRateSchedule.constant(learningRate);
            case "cosine":
                return LearningRateSchedule.warmupCosine(learningRate, Long.parseLong(args.getOrDefault("warmup", "500")),
                        Long.parseLong(args.getOrDefault("total", "100000")),
                        Float.parseFloat(args.getOrDefault("floor", "0")));
            case "step":
                return LearningRateSchedule.step(learningRate, Long.parseLong(args.getOrDefault("every", "10000")),
                        Float.parseFloat(args.getOrDefault("gamma", "0.5")),
                        Long.parseLong(args.getOrDefault("warmup", "0")));
            default:
                throw new IllegalArgumentException("schedule must be constant, cosine[:...] or step[:...]: '"
                        + schedule + "'");
        }
    }
}
