package io.distill.core.architecture;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distill.schema.Architecture;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * A declared network: a family name plus the family's parameters, e.g. {@code mlp} with {@code
 * {"dropout":0.0,"hidden":[800,800]}}.
 *
 * <p>Specs are always normalised by their family (defaults filled in, values in canonical types),
 * and {@link #canonicalJson()} writes the parameters with object keys sorted and no whitespace, so
 * two specs describe the same network exactly when their family and canonical JSON are equal.
 * That JSON is what {@link Architecture#getSpec()} carries.
 */
public final class ArchitectureSpec {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final String family;
    private final ObjectNode params;
    private final String canonicalJson;

    private ArchitectureSpec(String family, ObjectNode params) {
        this.family = family;
        this.params = params;
        try {
            this.canonicalJson = MAPPER.writeValueAsString(params);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * @param family a registered family name (case-insensitive)
     * @param params its parameters; missing ones take the family's defaults
     * @return the normalised spec
     * @throws IllegalArgumentException for an unknown family or invalid parameters
     */
    public static ArchitectureSpec of(String family, ObjectNode params) {
        ArchitectureFamily f = ArchitectureFactory.family(family);
        ObjectNode normalized = f.normalize(params == null ? JsonNodeFactory.instance.objectNode() : params);
        return new ArchitectureSpec(f.name(), sorted(normalized));
    }

    /**
     * @param family a registered family name
     * @param paramsJson a JSON object of parameters ({@code null} or empty for all defaults)
     * @return the normalised spec
     */
    public static ArchitectureSpec fromJson(String family, String paramsJson) {
        if (paramsJson == null || paramsJson.isBlank()) {
            return of(family, null);
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(paramsJson);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("architecture parameters are not JSON: " + e.getOriginalMessage(), e);
        }
        if (!(node instanceof ObjectNode)) {
            throw new IllegalArgumentException("architecture parameters must be a JSON object");
        }
        return of(family, (ObjectNode) node);
    }

    /**
     * A multi-layer perceptron: flatten, then {@code Linear → ReLU → Dropout} per hidden width,
     * then a linear output layer.
     *
     * @param hidden hidden layer widths, e.g. [800, 800]
     * @param dropout dropout rate after each hidden layer, in [0, 1)
     * @return the spec
     */
    public static ArchitectureSpec mlp(List<Integer> hidden, double dropout) {
        ObjectNode p = JsonNodeFactory.instance.objectNode();
        ArrayNode h = p.putArray("hidden");
        hidden.forEach(h::add);
        p.put("dropout", dropout);
        return of(MlpFamily.NAME, p);
    }

    /**
     * A small convolutional network (see {@link CnnFamily}).
     *
     * @param channels output channels of each conv block, e.g. [32, 64]
     * @param kernel odd square kernel size, e.g. 3
     * @param dense width of the hidden dense layer
     * @param dropout dropout rate before the output layer
     * @return the spec
     */
    public static ArchitectureSpec cnn(List<Integer> channels, int kernel, int dense, double dropout) {
        ObjectNode p = JsonNodeFactory.instance.objectNode();
        ArrayNode c = p.putArray("channels");
        channels.forEach(c::add);
        p.put("kernel", kernel);
        p.put("dense", dense);
        p.put("dropout", dropout);
        return of(CnnFamily.NAME, p);
    }

    /**
     * @param architecture the record from a manifest
     * @return the spec it declares (its parameterCount is not checked here)
     */
    public static ArchitectureSpec fromAvro(Architecture architecture) {
        return fromJson(architecture.getFamily(), architecture.getSpec());
    }

    /**
     * @param inputShape shape of one input
     * @param numClasses number of outputs
     * @return the manifest record, with the parameter count for that input and class count
     */
    public Architecture toAvro(int[] inputShape, int numClasses) {
        return Architecture.newBuilder()
                .setFamily(family)
                .setSpec(canonicalJson)
                .setParameterCount(ArchitectureFactory.parameterCount(this, inputShape, numClasses))
                .build();
    }

    /** @return the family name, lower case */
    public String family() {
        return family;
    }

    /** @return a copy of the normalised parameters */
    public ObjectNode params() {
        return params.deepCopy();
    }

    /** @return the parameters as canonical JSON (sorted keys, no whitespace) */
    public String canonicalJson() {
        return canonicalJson;
    }

    /**
     * @param name an integer parameter
     * @return its value
     */
    public int getInt(String name) {
        return params.get(name).intValue();
    }

    /**
     * @param name a number parameter
     * @return its value
     */
    public double getDouble(String name) {
        return params.get(name).doubleValue();
    }

    /**
     * @param name an array-of-integers parameter
     * @return its values
     */
    public List<Integer> getIntList(String name) {
        List<Integer> out = new ArrayList<>();
        params.get(name).forEach(n -> out.add(n.intValue()));
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ArchitectureSpec s && s.family.equals(family) && s.canonicalJson.equals(canonicalJson);
    }

    @Override
    public int hashCode() {
        return Objects.hash(family, canonicalJson);
    }

    @Override
    public String toString() {
        return family + canonicalJson;
    }

    /** Copies a JSON tree with every object's keys in sorted order. */
    static JsonNode sortedNode(JsonNode node) {
        if (node.isObject()) {
            return sorted((ObjectNode) node);
        }
        if (node.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            node.forEach(n -> out.add(sortedNode(n)));
            return out;
        }
        return node.deepCopy();
    }

    private static ObjectNode sorted(ObjectNode node) {
        List<String> names = new ArrayList<>();
        Iterator<String> it = node.fieldNames();
        it.forEachRemaining(names::add);
        names.sort(null);
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        for (String n : names) {
            out.set(n, sortedNode(node.get(n)));
        }
        return out;
    }
}
