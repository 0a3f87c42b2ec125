package org.peerpool.wire;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import org.apache.mina.core.buffer.IoBuffer;

/**
 * Encodes messages into whole frames and decodes frame bodies into messages, per
 * PROTOCOL.md sections 2 and 3. Stateless; the framing itself (length prefix,
 * size limits, reassembly) lives in {@code FrameDecoder}.
 */
public final class MessageCodec {

    /** Frame header size: the u32 length. */
    public static final int HEADER_BYTES = 4;
    /** Before the handshake completes no frame body may be longer. */
    public static final int MAX_HANDSHAKE_FRAME = 4096;

    private static final int U16_MAX = 0xFFFF;

    private MessageCodec() {
    }

    /** The whole frame (length prefix and body) for {@code m}, flipped and ready to write. */
    public static IoBuffer encode(Message m) {
        IoBuffer buf = IoBuffer.allocate(HEADER_BYTES + estimate(m)).setAutoExpand(true);
        buf.putInt(0);
        buf.put((byte) m.type());
        if (m instanceof Message.Handshake h) {
            buf.putUnsignedInt(h.protocolVersion());
            putStr(buf, h.myAddress());
        } else if (m instanceof Message.HandshakeAck a) {
            buf.put((byte) (a.accepted() ? 1 : 0));
            putStr(buf, a.yourIp());
            putStr(buf, a.myAddress());
            putStr(buf, a.reason());
        } else if (m instanceof Message.Goodbye g) {
            putStr(buf, g.reason());
        } else if (m instanceof Message.Announce a) {
            putStr(buf, a.address());
            buf.putLong(a.sequence());
            buf.putLong(a.timestampMs());
        } else if (m instanceof Message.Payload p) {
            putStr(buf, p.topic());
            buf.putInt(p.data().length);
            buf.put(p.data());
        } else {
            throw new IllegalArgumentException("cannot encode message type 0x" + Integer.toHexString(m.type()));
        }
        buf.flip();
        buf.putInt(0, buf.limit() - HEADER_BYTES);
        return buf;
    }

    private static int estimate(Message m) {
        return m instanceof Message.Payload p ? 1 + 2 + p.topic().length() * 3 + 4 + p.data().length : 64;
    }

    private static void putStr(IoBuffer buf, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > U16_MAX) {
            throw new IllegalArgumentException("string of " + b.length + " bytes does not fit a STR (expected at most 65535)");
        }
        buf.putUnsignedShort(b.length);
        buf.put(b);
    }

    /**
     * Decodes one frame body (the bytes after the length prefix). {@code body} is read
     * from its position to its limit; bytes after the last defined field are ignored.
     */
    public static Message decode(ByteBuffer body) throws ProtocolViolationException {
        int length = body.remaining();
        if (length < 1) {
            throw new ProtocolViolationException("empty frame body");
        }
        int type = body.get() & 0xFF;
        try {
            return switch (type) {
                case Message.TYPE_HANDSHAKE -> new Message.Handshake(u32(body), str(body, "my_address"));
                case Message.TYPE_HANDSHAKE_ACK -> {
                    int accepted = body.get() & 0xFF;
                    if (accepted > 1) {
                        throw new ProtocolViolationException("HANDSHAKE_ACK accepted=" + accepted + " (expected 0 or 1)");
                    }
                    yield new Message.HandshakeAck(accepted == 1, str(body, "your_ip"), str(body, "my_address"), str(body, "reason"));
                }
                case Message.TYPE_GOODBYE -> new Message.Goodbye(str(body, "reason"));
                case Message.TYPE_ANNOUNCE -> new Message.Announce(str(body, "address"), body.getLong(), body.getLong());
                case Message.TYPE_PAYLOAD -> new Message.Payload(str(body, "topic"), bytes(body, "data"));
                default -> new Message.Unknown(type, length);
            };
        } catch (BufferUnderflowException e) {
            throw new ProtocolViolationException("body of type 0x" + Integer.toHexString(type) + " too short (" + length + " bytes)");
        }
    }

    private static long u32(ByteBuffer b) {
        return b.getInt() & 0xFFFFFFFFL;
    }

    private static String str(ByteBuffer b, String field) throws ProtocolViolationException {
        int n = b.getShort() & 0xFFFF;
        if (n > b.remaining()) {
            throw new ProtocolViolationException(field + ": STR count " + n + " runs past the end of the body (" + b.remaining() + " bytes left)");
        }
        ByteBuffer slice = b.slice().limit(n);
        b.position(b.position() + n);
        if (isAscii(slice)) {
            // Topics and addresses are ASCII: valid UTF-8 as they stand, no decoder needed.
            byte[] ascii = new byte[n];
            slice.get(ascii);
            return new String(ascii, StandardCharsets.ISO_8859_1);
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            CharBuffer chars = decoder.decode(slice);
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new ProtocolViolationException(field + ": STR is not valid UTF-8");
        }
    }

    private static boolean isAscii(ByteBuffer bytes) {
        for (int i = bytes.position(); i < bytes.limit(); i++) {
            if (bytes.get(i) < 0) {
                return false;
            }
        }
        return true;
    }

    private static byte[] bytes(ByteBuffer b, String field) throws ProtocolViolationException {
        long n = u32(b);
        if (n > b.remaining()) {
            throw new ProtocolViolationException(field + ": BYTES count " + n + " runs past the end of the body (" + b.remaining() + " bytes left)");
        }
        byte[] out = new byte[(int) n];
        b.get(out);
        return out;
    }
}
