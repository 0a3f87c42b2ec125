package org.peerpool.bench;

import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

import java.nio.ByteBuffer;
import org.peerpool.wire.Message;
import org.peerpool.wire.MessageCodec;
import org.peerpool.wire.ProtocolViolationException;

/** Frames as bytes, for the bare-socket clients and baselines of the benchmark. */
final class Wire {

    private Wire() {
    }

    /** The whole frame (length prefix and body) of {@code m}. */
    static byte[] frame(Message m) {
        ByteBuffer b = MessageCodec.encode(m);
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return bytes;
    }

    /** Reads one frame from a blocking stream and decodes it. */
    static Message read(DataInputStream in) throws IOException {
        int length = in.readInt();
        byte[] body = new byte[length];
        in.readFully(body);
        return decode(ByteBuffer.wrap(body));
    }

    /** Reads one frame from a blocking channel and decodes it. */
    static Message read(SocketChannel ch) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(4);
        readFully(ch, header);
        ByteBuffer body = ByteBuffer.allocate(header.flip().getInt());
        readFully(ch, body);
        return decode(body.flip());
    }

    private static void readFully(SocketChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new IOException("end of stream");
            }
        }
    }

    private static Message decode(ByteBuffer body) throws IOException {
        try {
            return MessageCodec.decode(body);
        } catch (ProtocolViolationException e) {
            throw new IOException("bad frame: " + e.getMessage(), e);
        }
    }
}
