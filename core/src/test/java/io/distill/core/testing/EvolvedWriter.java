package io.distill.core.testing;

import io.distill.core.serde.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.JsonProperties;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * A producer on a newer, compatible version of a contract: the contract's schema plus one optional field, and
 * records written with it in the wire format. Consumers have never seen its schema id, so decoding such a record
 * needs the schema registry; the registry outage tests use it.
 */
public final class EvolvedWriter {

    private final Schema base;
    private final Schema evolved;
    private final SpecificData data;

    public EvolvedWriter(Schema base, Class<? extends SpecificRecord> type) {
        this.base = base;
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : base.getFields()) {
            fields.add(new Schema.Field(f, f.schema()));
        }
        fields.add(new Schema.Field("producerNote", Schema.createUnion(Schema.create(Schema.Type.NULL),
                Schema.create(Schema.Type.STRING)), "added by a newer producer", JsonProperties.NULL_VALUE));
        this.evolved = Schema.createRecord(base.getName(), base.getDoc(), base.getNamespace(), false, fields);
        this.data = SpecificData.getForClass(type);
    }

    public Schema schema() {
        return evolved;
    }

    /** {@code record} written with the evolved schema under {@code schemaId}, in the wire format. */
    public byte[] write(int schemaId, SpecificRecord record) {
        GenericData.Record r = new GenericData.Record(evolved);
        for (Schema.Field f : base.getFields()) {
            r.put(f.name(), record.get(f.pos()));
        }
        r.put("producerNote", "written by a newer producer");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        try {
            new SpecificDatumWriter<GenericData.Record>(evolved, data).write(r, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return WireFormat.frame(schemaId, out.toByteArray());
    }
}
