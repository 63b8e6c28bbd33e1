package io.distill.schema;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The evolution rules the registry enforces (BACKWARD_TRANSITIVE for internal topics, FULL_TRANSITIVE for the
 * topics applications write), checked locally with Avro's own resolution rules on the real contracts: an added
 * optional field is compatible both ways, a removed required field or a changed type is not. The registry
 * enforces the same rules end to end (core's registry integration tests).
 */
class SchemaEvolutionRulesTest {

    @Test
    void addingAnOptionalFieldIsFullyCompatibleForEveryContract() {
        for (Schema current : ContractSchemas.TOPIC_VALUES) {
            Schema evolved = withExtraField(current, new Schema.Field("addedLater",
                    Schema.createUnion(Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.STRING)),
                    "An optional field added by a later version.", Schema.Field.NULL_DEFAULT_VALUE));
            assertEquals(SchemaCompatibilityType.COMPATIBLE, readable(evolved, current), current.getName() + ": new reads old");
            assertEquals(SchemaCompatibilityType.COMPATIBLE, readable(current, evolved), current.getName() + ": old reads new");
        }
    }

    @Test
    void addingARequiredFieldWithoutDefaultBreaksBackwardCompatibility() {
        Schema current = InferenceRequest.getClassSchema();
        Schema evolved = withExtraField(current, new Schema.Field("tenant", Schema.create(Schema.Type.STRING), "Required.", (Object) null));
        assertEquals(SchemaCompatibilityType.INCOMPATIBLE, readable(evolved, current));
    }

    @Test
    void removingARequiredFieldBreaksForwardCompatibility() {
        Schema current = GroundTruth.getClassSchema();
        Schema evolved = withoutField(current, "label");
        // Old readers cannot read new data: FULL_TRANSITIVE (external topics) refuses it.
        assertEquals(SchemaCompatibilityType.INCOMPATIBLE, readable(current, evolved));
    }

    @Test
    void changingAFieldTypeIsIncompatible() {
        Schema current = SoftLabel.getClassSchema();
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : current.getFields()) {
            Schema type = f.name().equals("argmax") ? Schema.create(Schema.Type.STRING) : f.schema();
            fields.add(new Schema.Field(f.name(), type, f.doc(), f.defaultVal()));
        }
        Schema evolved = Schema.createRecord(current.getName(), current.getDoc(), current.getNamespace(), false, fields);
        assertEquals(SchemaCompatibilityType.INCOMPATIBLE, readable(evolved, current));
    }

    @Test
    void unknownEnumSymbolsFallBackToTheDeclaredDefault() {
        Schema newer = SchemaBuilder.enumeration("DType").namespace("io.distill.schema")
                .symbols("FLOAT32", "FLOAT64", "INT32", "INT64", "UINT8", "INT8", "FLOAT16", "BFLOAT16");
        Schema current = DType.getClassSchema();
        assertEquals(SchemaCompatibilityType.COMPATIBLE, readable(current, newer),
                "readers of the current DType must tolerate symbols added later (they read the default)");
    }

    private static SchemaCompatibilityType readable(Schema reader, Schema writer) {
        return SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getType();
    }

    private static Schema withExtraField(Schema record, Schema.Field extra) {
        List<Schema.Field> fields = copyFields(record, null);
        fields.add(extra);
        return Schema.createRecord(record.getName(), record.getDoc(), record.getNamespace(), false, fields);
    }

    private static Schema withoutField(Schema record, String name) {
        return Schema.createRecord(record.getName(), record.getDoc(), record.getNamespace(), false, copyFields(record, name));
    }

    private static List<Schema.Field> copyFields(Schema record, String skip) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : record.getFields()) {
            if (!f.name().equals(skip)) {
                fields.add(new Schema.Field(f, f.schema()));
            }
        }
        return fields;
    }
}
