package io.distill.topology.state;

import io.distill.schema.GroundTruth;
import io.distill.schema.InferenceRequest;
import io.distill.schema.SoftLabel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Store format of {@link PendingJoin}: a version byte, the times, then each part in Avro's
 * single-object encoding (the generated classes' own {@code toByteBuffer}). Internal to the
 * topology's stores and their changelogs; never read by another service.
 */
public final class PendingJoinSerde implements Serde<PendingJoin> {

    private static final byte VERSION = 1;

    @Override
    public Serializer<PendingJoin> serializer() {
        return (topic, join) -> join == null ? null : write(join);
    }

    @Override
    public Deserializer<PendingJoin> deserializer() {
        return (topic, bytes) -> bytes == null ? null : read(bytes);
    }

    static byte[] write(PendingJoin join) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(VERSION);
            out.writeLong(join.firstSeenAt());
            out.writeLong(join.requestArrivedAt());
            StateBytes.writeNullable(out, join.request() == null ? null : join.request().toByteBuffer());
            StateBytes.writeNullableString(out, join.sampleKey());
            out.writeInt(join.labels().size());
            for (SoftLabel label : join.labels()) {
                StateBytes.writeNullable(out, label.toByteBuffer());
            }
            StateBytes.writeNullable(out, join.groundTruth() == null ? null : join.groundTruth().toByteBuffer());
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a pending join", e);
        }
    }

    static PendingJoin read(byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            byte version = in.readByte();
            if (version != VERSION) {
                throw new IllegalStateException("unknown pending-join format version " + version);
            }
            long firstSeen = in.readLong();
            long requestAt = in.readLong();
            ByteBuffer request = StateBytes.readNullable(in);
            String sampleKey = StateBytes.readNullableString(in);
            int n = in.readInt();
            List<SoftLabel> labels = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                labels.add(SoftLabel.fromByteBuffer(StateBytes.readNullable(in)));
            }
            ByteBuffer truth = StateBytes.readNullable(in);
            return new PendingJoin(firstSeen, requestAt,
                    request == null ? null : InferenceRequest.fromByteBuffer(request),
                    sampleKey, labels,
                    truth == null ? null : GroundTruth.fromByteBuffer(truth));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read a pending join", e);
        }
    }
}
