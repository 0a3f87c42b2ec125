package org.peerpool.wire;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;


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
    /** The limits group: max_frame_bytes:u32 heartbeat_ms:u32. */
    private static final int LIMITS_BYTES = 8;

    private MessageCodec() {
    }

    /**
     * The whole frame (length prefix and body) for {@code m}, ready to write (position 0).
     * Throws {@link IllegalArgumentException} when a string does not fit a STR (over
     * 65,535 UTF-8 bytes) or the body would pass a u32.
     */
    public static ByteBuffer encode(Message m) {
        if (m instanceof Message.Payload p) {
            // The one message an application sizes: measure it exactly, allocate once.
            byte[] topic = strBytes(p.topic(), "topic");
            long body = 1L + 2 + topic.length + 4 + p.data().length;
            if (body > Integer.MAX_VALUE - HEADER_BYTES) {
                throw new IllegalArgumentException("PAYLOAD of " + body + " bytes does not fit one frame");
            }
            ByteBuffer buf = ByteBuffer.allocate(HEADER_BYTES + (int) body);
            buf.putInt((int) body).put((byte) m.type());
            buf.putShort((short) topic.length).put(topic);
            buf.putInt(p.data().length).put(p.data());
            return buf.flip();
        }
        ByteBuffer buf = ByteBuffer.allocate(HEADER_BYTES + controlBodyBytes(m));
        buf.putInt(0).put((byte) m.type());
        if (m instanceof Message.Handshake h) {
            buf.putInt((int) h.protocolVersion());
            putStr(buf, h.myAddress());
            putLimits(buf, h.limits());
        } else if (m instanceof Message.HandshakeAck a) {
            buf.put((byte) (a.accepted() ? 1 : 0));
            putStr(buf, a.yourIp());
            putStr(buf, a.myAddress());
            putStr(buf, a.reason());
            putLimits(buf, a.limits());
        } else if (m instanceof Message.Goodbye g) {
            putStr(buf, g.reason());
        } else if (m instanceof Message.Announce a) {
            putStr(buf, a.address());
            buf.putLong(a.sequence());
            buf.putLong(a.timestampMs());
        } else if (m instanceof Message.View v) {
            buf.putLong(v.epoch());
            buf.putInt(v.addresses().size());
            for (String a : v.addresses()) {
                putStr(buf, a);
            }
        } else {
            throw new IllegalArgumentException("cannot encode message type 0x" + Integer.toHexString(m.type()));
        }
        buf.flip();
        buf.putInt(0, buf.limit() - HEADER_BYTES);
        return buf;
    }

    /** The exact body size of a control message (every type but PAYLOAD). */
    private static int controlBodyBytes(Message m) {
        int n = 1;
        if (m instanceof Message.Handshake h) {
            n += 4 + strSize(h.myAddress()) + (h.limits() == null ? 0 : LIMITS_BYTES);
        } else if (m instanceof Message.HandshakeAck a) {
            n += 1 + strSize(a.yourIp()) + strSize(a.myAddress()) + strSize(a.reason())
                    + (a.limits() == null ? 0 : LIMITS_BYTES);
        } else if (m instanceof Message.Goodbye g) {
            n += strSize(g.reason());
        } else if (m instanceof Message.Announce a) {
            n += strSize(a.address()) + 16;
        } else if (m instanceof Message.View v) {
            if (v.addresses().size() > Message.View.MAX_ADDRESSES) {
                throw new IllegalArgumentException("VIEW of " + v.addresses().size() + " addresses (at most "
                        + Message.View.MAX_ADDRESSES + ")");
            }
            n += 12;
            for (String a : v.addresses()) {
                n += strSize(a);
            }
        }
        return n;
    }

    private static int strSize(String s) {
        return 2 + strBytes(s, "STR").length;
    }

    private static byte[] strBytes(String s, String field) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > U16_MAX) {
            throw new IllegalArgumentException(field + " of " + b.length
                    + " UTF-8 bytes does not fit a STR (expected at most 65535)");
        }
        return b;
    }

    private static void putStr(ByteBuffer buf, String s) {
        byte[] b = strBytes(s, "STR");
        buf.putShort((short) b.length);
        buf.put(b);
    }

    private static void putLimits(ByteBuffer buf, Message.Limits limits) {
        if (limits != null) {
            buf.putInt((int) limits.maxFrameBytes());
            buf.putInt((int) limits.heartbeatMs());
        }
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
                case Message.TYPE_HANDSHAKE -> new Message.Handshake(u32(body), str(body, "my_address"), limits(body));
                case Message.TYPE_HANDSHAKE_ACK -> {
                    int accepted = body.get() & 0xFF;
                    if (accepted > 1) {
                        throw new ProtocolViolationException("HANDSHAKE_ACK accepted=" + accepted + " (expected 0 or 1)");
                    }
                    yield new Message.HandshakeAck(accepted == 1, str(body, "your_ip"), str(body, "my_address"),
                            str(body, "reason"), limits(body));
                }
                case Message.TYPE_GOODBYE -> new Message.Goodbye(str(body, "reason"));
                case Message.TYPE_ANNOUNCE -> new Message.Announce(str(body, "address"), body.getLong(), body.getLong());
                case Message.TYPE_PAYLOAD -> new Message.Payload(str(body, "topic"), bytes(body, "data"));
                case Message.TYPE_VIEW -> view(body);
                default -> new Message.Unknown(type, length);
            };
        } catch (BufferUnderflowException e) {
            throw new ProtocolViolationException("body of type 0x" + Integer.toHexString(type) + " too short (" + length + " bytes)");
        }
    }

    private static Message.View view(ByteBuffer b) throws ProtocolViolationException {
        long epoch = b.getLong();
        long count = u32(b);
        if (count > Message.View.MAX_ADDRESSES) {
            throw new ProtocolViolationException("VIEW count " + count + " (expected at most "
                    + Message.View.MAX_ADDRESSES + ")");
        }
        // Every address takes at least its two count bytes: a count the body cannot hold ends early.
        if (count * 2 > b.remaining()) {
            throw new ProtocolViolationException("VIEW count " + count + " runs past the end of the body ("
                    + b.remaining() + " bytes left)");
        }
        List<String> addresses = new ArrayList<>((int) count);
        for (int i = 0; i < count; i++) {
            addresses.add(str(b, "address"));
        }
        return new Message.View(epoch, addresses);
    }

    /** The optional {@code limits} group at the end of a handshake frame (PROTOCOL.md section 3). */
    private static Message.Limits limits(ByteBuffer b) throws ProtocolViolationException {
        if (!b.hasRemaining()) {
            return null;
        }
        if (b.remaining() < LIMITS_BYTES) {
            throw new ProtocolViolationException("body ends inside the limits group (" + b.remaining()
                    + " of " + LIMITS_BYTES + " bytes)");
        }
        long maxFrame = u32(b);
        long heartbeat = u32(b);
        if (maxFrame < Message.Limits.MIN_FRAME_BYTES) {
            throw new ProtocolViolationException("limits: max_frame_bytes " + maxFrame + " (expected at least "
                    + Message.Limits.MIN_FRAME_BYTES + ")");
        }
        if (heartbeat < Message.Limits.MIN_HEARTBEAT_MS) {
            throw new ProtocolViolationException("limits: heartbeat_ms " + heartbeat + " (expected at least "
                    + Message.Limits.MIN_HEARTBEAT_MS + ")");
        }
        return new Message.Limits(maxFrame, heartbeat);
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
