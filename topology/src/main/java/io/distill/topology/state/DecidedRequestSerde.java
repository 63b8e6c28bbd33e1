package io.distill.topology.state;

import io.distill.schema.LabelSpace;
import io.distill.schema.Split;
import io.distill.topology.accounting.Outcome;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Store format of {@link DecidedRequest}: a version byte and the fields in order. Version 2 appends the site;
 * version 1 records (written before routing by site existed) are read with no site.
 */
public final class DecidedRequestSerde implements Serde<DecidedRequest> {

    private static final byte VERSION = 2;
    private static final byte VERSION_WITHOUT_SITE = 1;

    @Override
    public Serializer<DecidedRequest> serializer() {
        return (topic, value) -> value == null ? null : write(value);
    }

    @Override
    public Deserializer<DecidedRequest> deserializer() {
        return (topic, bytes) -> bytes == null ? null : read(bytes);
    }

    static byte[] write(DecidedRequest d) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(VERSION);
            out.writeUTF(d.outcome().name());
            StateBytes.writeNullableString(out, d.split() == null ? null : d.split().name());
            StateBytes.writeNullableString(out, d.sampleKey());
            StateBytes.writeNullableString(out, d.task());
            out.writeLong(d.eventTime());
            StateBytes.writeNullable(out, d.labelSpace() == null ? null : d.labelSpace().toByteBuffer());
            out.writeLong(d.decidedAt());
            out.writeBoolean(d.hardLabelSent());
            StateBytes.writeNullableString(out, d.site());
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a decided request", e);
        }
    }

    static DecidedRequest read(byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            byte version = in.readByte();
            if (version != VERSION && version != VERSION_WITHOUT_SITE) {
                throw new IllegalStateException("unknown decided-request format version " + version);
            }
            Outcome outcome = Outcome.valueOf(in.readUTF());
            String split = StateBytes.readNullableString(in);
            String sampleKey = StateBytes.readNullableString(in);
            String task = StateBytes.readNullableString(in);
            long eventTime = in.readLong();
            ByteBuffer space = StateBytes.readNullable(in);
            long decidedAt = in.readLong();
            boolean hardLabelSent = in.readBoolean();
            String site = version == VERSION ? StateBytes.readNullableString(in) : null;
            return new DecidedRequest(outcome, split == null ? null : Split.valueOf(split), sampleKey, task, eventTime,
                    space == null ? null : LabelSpace.fromByteBuffer(space), decidedAt, hardLabelSent, site);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read a decided request", e);
        }
    }
}
