package io.distill.core.checkpoint;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * An optimizer's resumable state, independent of DJL: what it is, how many steps it took, named
 * integer counters (e.g. per-parameter step counts), named float32 tensors (e.g. Adam's first and
 * second moments per parameter, keyed {@code <parameter>/m} and {@code <parameter>/v}) and
 * free-form attributes (e.g. its hyper-parameters, for the record). Maps are kept sorted by key so
 * that writing is deterministic.
 *
 * @param type the optimizer, e.g. {@code adamw} or {@code sgd-momentum}
 * @param step optimizer steps taken
 * @param counters named exact integers
 * @param tensors named arrays; each value's {@link NamedTensor#name()} equals its key
 * @param attributes named strings
 */
public record OptimizerState(
        String type,
        long step,
        Map<String, Long> counters,
        Map<String, NamedTensor> tensors,
        Map<String, String> attributes) {

    /** Copies the maps into sorted, unmodifiable ones and checks tensor names. */
    public OptimizerState {
        Objects.requireNonNull(type, "type");
        counters = Collections.unmodifiableMap(new TreeMap<>(counters == null ? Map.of() : counters));
        tensors = Collections.unmodifiableMap(new TreeMap<>(tensors == null ? Map.of() : tensors));
        attributes = Collections.unmodifiableMap(new TreeMap<>(attributes == null ? Map.of() : attributes));
        for (Map.Entry<String, NamedTensor> e : tensors.entrySet()) {
            if (!e.getKey().equals(e.getValue().name())) {
                throw new IllegalArgumentException("tensor " + e.getValue().name() + " is stored under " + e.getKey());
            }
        }
    }
}
