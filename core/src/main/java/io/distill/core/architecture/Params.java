package io.distill.core.architecture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/** Helpers for families to read, check and default their JSON parameters. */
final class Params {

    private Params() {}

    static void rejectUnknown(String family, ObjectNode params, Set<String> known) {
        Iterator<String> names = params.fieldNames();
        while (names.hasNext()) {
            String n = names.next();
            if (!known.contains(n)) {
                throw new IllegalArgumentException(family + ": unknown parameter '" + n + "', known: " + known);
            }
        }
    }

    static ArrayNode intList(String family, ObjectNode params, String name, List<Integer> dflt, int min, boolean allowEmpty) {
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        JsonNode node = params.get(name);
        if (node == null || node.isNull()) {
            dflt.forEach(out::add);
            return out;
        }
        if (!node.isArray()) {
            throw new IllegalArgumentException(family + ": '" + name + "' must be an array of integers");
        }
        for (JsonNode n : node) {
            out.add(intValue(family, name, n, min));
        }
        if (!allowEmpty && out.isEmpty()) {
            throw new IllegalArgumentException(family + ": '" + name + "' must not be empty");
        }
        return out;
    }

    static int intParam(String family, ObjectNode params, String name, int dflt, int min) {
        JsonNode node = params.get(name);
        if (node == null || node.isNull()) {
            return dflt;
        }
        return intValue(family, name, node, min);
    }

    static double rate(String family, ObjectNode params, String name, double dflt) {
        JsonNode node = params.get(name);
        if (node == null || node.isNull()) {
            return dflt;
        }
        if (!node.isNumber()) {
            throw new IllegalArgumentException(family + ": '" + name + "' must be a number");
        }
        double v = node.doubleValue();
        if (!(v >= 0 && v < 1)) {
            throw new IllegalArgumentException(family + ": '" + name + "' must be in [0, 1), was " + v);
        }
        return v;
    }

    static boolean flag(String family, ObjectNode params, String name, boolean dflt) {
        JsonNode node = params.get(name);
        if (node == null || node.isNull()) {
            return dflt;
        }
        if (!node.isBoolean()) {
            throw new IllegalArgumentException(family + ": '" + name + "' must be true or false, found " + node);
        }
        return node.booleanValue();
    }

    private static int intValue(String family, String name, JsonNode n, int min) {
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw new IllegalArgumentException(family + ": '" + name + "' must hold integers, found " + n);
        }
        int v = n.intValue();
        if (v < min) {
            throw new IllegalArgumentException(family + ": '" + name + "' values must be at least " + min + ", found " + v);
        }
        return v;
    }

    static long product(int[] shape) {
        long p = 1;
        for (int d : shape) {
            if (d < 1) {
                throw new IllegalArgumentException("input dimension " + d + " is below 1");
            }
            p *= d;
        }
        return p;
    }
}
