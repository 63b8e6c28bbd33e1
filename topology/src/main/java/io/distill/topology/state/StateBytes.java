package io.distill.topology.state;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Length-prefixed nullable fields of the topology's store formats. */
final class StateBytes {

    private StateBytes() {}

    static void writeNullable(DataOutputStream out, ByteBuffer buffer) throws IOException {
        if (buffer == null) {
            out.writeInt(-1);
            return;
        }
        ByteBuffer b = buffer.duplicate();
        out.writeInt(b.remaining());
        byte[] copy = new byte[b.remaining()];
        b.get(copy);
        out.write(copy);
    }

    static ByteBuffer readNullable(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        byte[] data = new byte[n];
        in.readFully(data);
        return ByteBuffer.wrap(data);
    }

    static void writeNullableString(DataOutputStream out, String value) throws IOException {
        writeNullable(out, value == null ? null : ByteBuffer.wrap(value.getBytes(StandardCharsets.UTF_8)));
    }

    static String readNullableString(DataInputStream in) throws IOException {
        ByteBuffer b = readNullable(in);
        return b == null ? null : StandardCharsets.UTF_8.decode(b).toString();
    }
}
