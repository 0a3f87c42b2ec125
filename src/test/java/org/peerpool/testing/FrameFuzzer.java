package org.peerpool.testing;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import java.nio.ByteBuffer;
import org.peerpool.wire.Message;
import org.peerpool.wire.MessageCodec;

/**
 * Seeded generator of hostile frames (PROTOCOL.md section 2): valid frames with flipped
 * bytes, cut short, with wrong, zero or oversized lengths, STRs that are not UTF-8,
 * STR and BYTES counts that run past the body, unknown types, bad HANDSHAKE_ACK flags
 * and plain garbage, plus some valid frames so both paths get exercised. The same seed
 * gives the same bytes.
 */
public final class FrameFuzzer {

    /** The kinds of frame it makes; {@link #counts()} tallies them. */
    public enum Kind {
        VALID, FLIPPED, TRUNCATED, WRONG_LENGTH, ZERO_LENGTH, OVER_LIMIT, AT_LIMIT, BAD_UTF8, HUGE_STR_COUNT,
        HUGE_BYTES_COUNT, UNKNOWN_TYPE, WRONG_TYPE, BAD_ACK_FLAG, GARBAGE
    }

    private static final String[] WORDS = {"", "a", "127.0.0.1:7100", "[::1]:7100", "tx", "block/ünï", "日本語",
        "emoji 🙂", "127.0.0.300:1", "x".repeat(300),
        "127.0.0.1:7100\n00:00:00.000 WARN  [main] Agent forged line", "tab\there\r\u0007\u2028", "\u0000"};
    private static final byte[][] BAD_UTF8 = {
        {(byte) 0xC3, 0x28},                         // a lead byte without its continuation
        {(byte) 0xFF},                               // never valid
        {(byte) 0xC0, (byte) 0xAF},                  // overlong '/'
        {(byte) 0xED, (byte) 0xA0, (byte) 0x80},     // a UTF-16 surrogate
        {(byte) 0xF0, (byte) 0x9F, (byte) 0x99},     // a 4-byte sequence cut short
        {(byte) 0x80},                               // a lone continuation byte
        {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // above U+10FFFF
    };

    private final Random random;
    private final int limit;
    private final long[] counts = new long[Kind.values().length];

    /**
     * @param limit the frame body limit in force on the connections it feeds (4096 before
     *              the handshake, {@code max_frame_bytes} after it)
     */
    public FrameFuzzer(Random random, int limit) {
        this.random = random;
        this.limit = limit;
    }

    public long[] counts() {
        return counts.clone();
    }

    /** {@code n} frames back to back, as one write. */
    public byte[] batch(int n) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
            out.writeBytes(next());
        }
        return out.toByteArray();
    }

    /** One hostile (or now and then valid) frame. */
    public byte[] next() {
        Kind kind = Kind.values()[random.nextInt(Kind.values().length)];
        counts[kind.ordinal()]++;
        byte[] f = bytes(validMessage());
        switch (kind) {
            case VALID -> {
                return f;
            }
            case FLIPPED -> {
                int flips = 1 + random.nextInt(4);
                for (int i = 0; i < flips; i++) {
                    f[random.nextInt(f.length)] ^= (byte) (1 + random.nextInt(255));
                }
                return f;
            }
            case TRUNCATED -> {
                return java.util.Arrays.copyOf(f, random.nextInt(f.length));
            }
            case WRONG_LENGTH -> {
                long length = random.nextBoolean()
                        ? Math.max(0, f.length - 4 + random.nextInt(33) - 16)
                        : random.nextInt() & 0xFFFFFFFFL;
                ByteBuffer.wrap(f).putInt((int) length);
                return f;
            }
            case ZERO_LENGTH -> {
                return new byte[] {0, 0, 0, 0};
            }
            case OVER_LIMIT -> {
                long length = random.nextBoolean() ? limit + 1L + random.nextInt(16) : (random.nextInt() | 0x80000000) & 0xFFFFFFFFL;
                ByteBuffer.wrap(f).putInt((int) Math.max(length, limit + 1L));
                return f;
            }
            case AT_LIMIT -> {
                byte[] body = new byte[limit];
                random.nextBytes(body);
                body[0] = (byte) (random.nextBoolean() ? Message.TYPE_PAYLOAD : random.nextInt(256));
                return frame(body);
            }
            case BAD_UTF8 -> {
                return badUtf8Frame();
            }
            case HUGE_STR_COUNT -> {
                ByteBuffer b = ByteBuffer.allocate(1 + 2 + 8);
                b.put((byte) pick(Message.TYPE_HANDSHAKE, Message.TYPE_GOODBYE, Message.TYPE_ANNOUNCE, Message.TYPE_PAYLOAD));
                if (b.get(0) == Message.TYPE_HANDSHAKE) {
                    b.putInt(1);
                }
                b.putShort((short) (random.nextBoolean() ? 0xFFFF : 9 + random.nextInt(0xFFFF - 9)));
                return frame(java.util.Arrays.copyOf(b.array(), b.position() + random.nextInt(4)));
            }
            case HUGE_BYTES_COUNT -> {
                ByteBuffer b = ByteBuffer.allocate(1 + 2 + 2 + 4 + 8);
                b.put((byte) Message.TYPE_PAYLOAD).putShort((short) 2).put("tx".getBytes(StandardCharsets.US_ASCII));
                long[] choices = {0xFFFFFFFFL, 0x80000000L, 0x7FFFFFFFL, 9 + random.nextInt(1 << 20)};
                b.putInt((int) choices[random.nextInt(choices.length)]);
                return frame(java.util.Arrays.copyOf(b.array(), b.position() + random.nextInt(8)));
            }
            case UNKNOWN_TYPE -> {
                byte[] body = new byte[1 + random.nextInt(300)];
                random.nextBytes(body);
                body[0] = (byte) pick(0x00, 0x04, 0x0F, 0x13, 0x7F, 0x80, 0xFF, 0x20 + random.nextInt(0x60));
                return frame(body);
            }
            case WRONG_TYPE -> {
                f[4] = (byte) random.nextInt(256);
                return f;
            }
            case BAD_ACK_FLAG -> {
                byte[] ack = bytes(new Message.HandshakeAck(true, "127.0.0.1", "127.0.0.1:7100", ""));
                ack[5] = (byte) (2 + random.nextInt(254));
                return ack;
            }
            case GARBAGE -> {
                byte[] g = new byte[1 + random.nextInt(300)];
                random.nextBytes(g);
                return g;
            }
            default -> throw new IllegalStateException(kind.toString());
        }
    }

    private Message validMessage() {
        return switch (random.nextInt(5)) {
            case 0 -> new Message.Handshake(random.nextInt(3), word());
            case 1 -> new Message.HandshakeAck(random.nextBoolean(), word(), word(), word());
            case 2 -> new Message.Goodbye(word());
            case 3 -> new Message.Announce(word(), random.nextLong(), random.nextLong());
            default -> {
                byte[] data = new byte[random.nextInt(random.nextBoolean() ? 64 : 3000)];
                random.nextBytes(data);
                yield new Message.Payload(word(), data);
            }
        };
    }

    private byte[] badUtf8Frame() {
        byte[] bad = BAD_UTF8[random.nextInt(BAD_UTF8.length)];
        byte[] prefix = "ok".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer str = ByteBuffer.allocate(2 + prefix.length + bad.length);
        str.putShort((short) (prefix.length + bad.length)).put(prefix).put(bad);
        ByteBuffer b = ByteBuffer.allocate(64);
        int type = pick(Message.TYPE_HANDSHAKE, Message.TYPE_HANDSHAKE_ACK, Message.TYPE_GOODBYE, Message.TYPE_ANNOUNCE,
                Message.TYPE_PAYLOAD);
        b.put((byte) type);
        switch (type) {
            case Message.TYPE_HANDSHAKE -> b.putInt(1).put(str.array());
            case Message.TYPE_HANDSHAKE_ACK -> b.put((byte) 0).put(str.array()).putShort((short) 0).putShort((short) 0);
            case Message.TYPE_ANNOUNCE -> b.put(str.array()).putLong(1).putLong(2);
            case Message.TYPE_PAYLOAD -> b.put(str.array()).putInt(0);
            default -> b.put(str.array());
        }
        return frame(java.util.Arrays.copyOf(b.array(), b.position()));
    }

    private String word() {
        return random.nextInt(4) == 0 ? randomText() : WORDS[random.nextInt(WORDS.length)];
    }

    private String randomText() {
        StringBuilder s = new StringBuilder();
        int n = random.nextInt(40);
        for (int i = 0; i < n; i++) {
            int cp = switch (random.nextInt(4)) {
                case 0 -> 0x20 + random.nextInt(0x5F);
                case 1 -> 0xA0 + random.nextInt(0x700);
                case 2 -> 0x3040 + random.nextInt(0x100);
                default -> 0x1F300 + random.nextInt(0x200);
            };
            s.appendCodePoint(cp);
        }
        return s.toString();
    }

    private int pick(int... options) {
        return options[random.nextInt(options.length)];
    }

    /** A frame around {@code body}: its length, then the body. */
    public static byte[] frame(byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(4 + body.length);
        b.putInt(body.length).put(body);
        return b.array();
    }

    /** The encoded frame of {@code m}. */
    public static byte[] bytes(Message m) {
        ByteBuffer b = MessageCodec.encode(m);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
