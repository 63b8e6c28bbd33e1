package io.distill.schema;

import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every named type and every field of every contract carries documentation. */
class SchemaDocumentationTest {

    @Test
    void everyRecordEnumAndFieldIsDocumented() {
        List<String> undocumented = new ArrayList<>();
        Set<String> visited = new HashSet<>();
        for (Schema schema : ContractSchemas.TOPIC_VALUES) {
            collectUndocumented(schema, visited, undocumented);
        }
        assertTrue(visited.size() >= 20, "expected to visit all named types, visited " + visited);
        assertEquals(List.of(), undocumented, "undocumented schema elements");
    }

    private static void collectUndocumented(Schema schema, Set<String> visited, List<String> undocumented) {
        switch (schema.getType()) {
            case RECORD -> {
                if (!visited.add(schema.getFullName())) {
                    return;
                }
                if (isBlank(schema.getDoc())) {
                    undocumented.add(schema.getFullName());
                }
                for (Schema.Field field : schema.getFields()) {
                    if (isBlank(field.doc())) {
                        undocumented.add(schema.getFullName() + "." + field.name());
                    }
                    collectUndocumented(field.schema(), visited, undocumented);
                }
            }
            case ENUM -> {
                if (visited.add(schema.getFullName()) && isBlank(schema.getDoc())) {
                    undocumented.add(schema.getFullName());
                }
            }
            case UNION -> schema.getTypes().forEach(t -> collectUndocumented(t, visited, undocumented));
            case ARRAY -> collectUndocumented(schema.getElementType(), visited, undocumented);
            case MAP -> collectUndocumented(schema.getValueType(), visited, undocumented);
            default -> {
            }
        }
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
