package io.distill.core.checkpoint;

import io.distill.core.architecture.ArchitectureSpec;
import io.distill.schema.LabelSpace;
import io.distill.schema.Precision;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The content of one checkpoint container: everything needed to rebuild the network ({@link
 * #architecture()}, {@link #inputShape()}, {@link #labelSpace()}), its parameters by name, the
 * optimizer state to resume training, and free-form metadata. Immutable; build with {@link
 * #builder()}. Written and read by {@link CheckpointWriter} and {@link CheckpointReader}.
 */
public final class Checkpoint {

    private final ArchitectureSpec architecture;
    private final int[] inputShape;
    private final LabelSpace labelSpace;
    private final int numClasses;
    private final List<NamedTensor> parameters;
    private final OptimizerState optimizerState;
    private final Map<String, String> metadata;
    private final Precision precision;

    private Checkpoint(Builder b) {
        this.precision = Objects.requireNonNull(b.precision, "precision");
        this.architecture = Objects.requireNonNull(b.architecture, "architecture");
        this.inputShape = Objects.requireNonNull(b.inputShape, "inputShape").clone();
        LabelSpace ls = Objects.requireNonNull(b.labelSpace, "labelSpace");
        this.labelSpace = LabelSpace.newBuilder(ls).build();
        int names0 = labelSpace.getClassNames().size();
        this.numClasses = b.numClasses > 0 ? b.numClasses : names0;
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses is not set and the label space lists no class names");
        }
        if (names0 > 0 && names0 != numClasses) {
            throw new IllegalArgumentException(
                    "label space lists " + names0 + " class names but numClasses is " + numClasses);
        }
        this.parameters = List.copyOf(b.parameters);
        Set<String> names = new HashSet<>();
        for (NamedTensor t : parameters) {
            if (!names.add(t.name())) {
                throw new IllegalArgumentException("parameter " + t.name() + " appears twice");
            }
        }
        this.optimizerState = b.optimizerState;
        this.metadata = Collections.unmodifiableMap(new TreeMap<>(b.metadata));
    }

    /** @return a new builder */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the declared network */
    public ArchitectureSpec architecture() {
        return architecture;
    }

    /** @return shape of one input, without the batch dimension (a copy) */
    public int[] inputShape() {
        return inputShape.clone();
    }

    /** @return the label space of the outputs (a copy) */
    public LabelSpace labelSpace() {
        return LabelSpace.newBuilder(labelSpace).build();
    }

    /** @return the number of output classes */
    public int numClasses() {
        return numClasses;
    }

    /** @return the network parameters, in the block's order */
    public List<NamedTensor> parameters() {
        return parameters;
    }

    /** @return the number of scalar parameters */
    public long parameterCount() {
        long n = 0;
        for (NamedTensor t : parameters) {
            n += t.size();
        }
        return n;
    }

    /** @return the optimizer state, if one was saved */
    public Optional<OptimizerState> optimizerState() {
        return Optional.ofNullable(optimizerState);
    }

    /** @return this checkpoint without its optimizer state (e.g. for a serving-only int8 container) */
    public Checkpoint withoutOptimizerState() {
        return builder().architecture(architecture).inputShape(inputShape).labelSpace(labelSpace).numClasses(numClasses)
                .parameters(parameters).metadata(metadata).precision(precision).build();
    }

    /** @return free-form metadata, sorted by key */
    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * @return how the parameters were stored in the container this checkpoint was read from (FLOAT32 for one built in
     *     memory); the values held here are float32 either way, int8 weights dequantized
     */
    public Precision precision() {
        return precision;
    }

    /** Builder of {@link Checkpoint}. */
    public static final class Builder {
        private ArchitectureSpec architecture;
        private int[] inputShape;
        private LabelSpace labelSpace;
        private int numClasses;
        private final List<NamedTensor> parameters = new ArrayList<>();
        private OptimizerState optimizerState;
        private final Map<String, String> metadata = new TreeMap<>();
        private Precision precision = Precision.FLOAT32;

        private Builder() {}

        /** @param precision how the parameters were stored (set by the reader) @return this */
        public Builder precision(Precision precision) {
            this.precision = precision;
            return this;
        }

        /** @param spec the declared network @return this */
        public Builder architecture(ArchitectureSpec spec) {
            this.architecture = spec;
            return this;
        }

        /** @param shape one input's shape @return this */
        public Builder inputShape(int... shape) {
            this.inputShape = shape.clone();
            return this;
        }

        /** @param labelSpace the outputs' label space @return this */
        public Builder labelSpace(LabelSpace labelSpace) {
            this.labelSpace = labelSpace;
            return this;
        }

        /**
         * @param numClasses number of output classes; may be left out when the label space lists
         *     its class names
         * @return this
         */
        public Builder numClasses(int numClasses) {
            this.numClasses = numClasses;
            return this;
        }

        /** @param tensors parameters to add, in order @return this */
        public Builder parameters(List<NamedTensor> tensors) {
            parameters.addAll(tensors);
            return this;
        }

        /** @param tensor a parameter to add @return this */
        public Builder parameter(NamedTensor tensor) {
            parameters.add(tensor);
            return this;
        }

        /** @param state the optimizer state, or null @return this */
        public Builder optimizerState(OptimizerState state) {
            this.optimizerState = state;
            return this;
        }

        /** @param key a key @param value its value @return this */
        public Builder metadata(String key, String value) {
            metadata.put(Objects.requireNonNull(key), Objects.requireNonNull(value));
            return this;
        }

        /** @param entries entries to add @return this */
        public Builder metadata(Map<String, String> entries) {
            entries.forEach(this::metadata);
            return this;
        }

        /** @return the checkpoint */
        public Checkpoint build() {
            return new Checkpoint(this);
        }
    }
}
