package org.peerpool.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * PROTOCOL.md sections 2 and 3 at the level of one frame: the exact bytes each message
 * becomes, and every way a body can break the rules. Two nodes from different commits
 * must read each other's frames, so the expected bytes are written out by hand rather
 * than produced by the code under test.
 */
class MessageCodecTest {

    private static final String MULTI_BYTE = "ünï€😀";

    // ---- helpers ----

    /** Unsigned byte values to a byte array, so expected frames read like a hex dump. */
    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** The whole encoded frame as an array, checking it is flipped and its header counts the body. */
    private static byte[] frame(Message m) {
        ByteBuffer buf = MessageCodec.encode(m);
        assertEquals(0, buf.position(), "encode must return a flipped buffer");
        byte[] out = new byte[buf.remaining()];
        buf.get(out);
        assertEquals(out.length - MessageCodec.HEADER_BYTES, ByteBuffer.wrap(out).getInt() & 0xFFFFFFFFL,
                "length header must equal the body length");
        return out;
    }

    private static byte[] body(Message m) {
        byte[] f = frame(m);
        return Arrays.copyOfRange(f, MessageCodec.HEADER_BYTES, f.length);
    }

    private static Message decode(byte[] body) throws ProtocolViolationException {
        return MessageCodec.decode(ByteBuffer.wrap(body));
    }

    private static Message roundTrip(Message m) throws ProtocolViolationException {
        Message back = decode(body(m));
        assertEquals(m, back);
        return back;
    }

    private static void assertViolation(byte[] body) {
        assertThrows(ProtocolViolationException.class, () -> decode(body), () -> "body " + hex(body));
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(String.format("%02x ", x & 0xFF));
        }
        return sb.toString().trim();
    }

    /** A frame body written field by field, independently of MessageCodec. */
    private static final class Body {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Body u8(int v) {
            out.write(v);
            return this;
        }

        Body u16(int v) {
            out.write(v >>> 8);
            out.write(v);
            return this;
        }

        Body u32(long v) {
            u16((int) (v >>> 16));
            return u16((int) v);
        }

        Body u64(long v) {
            u32(v >>> 32);
            return u32(v);
        }

        Body raw(byte[] b) {
            out.writeBytes(b);
            return this;
        }

        /** A STR whose content is given as raw bytes, valid UTF-8 or not. */
        Body str(byte[] utf8) {
            return u16(utf8.length).raw(utf8);
        }

        Body str(String s) {
            return str(s.getBytes(StandardCharsets.UTF_8));
        }

        byte[] toArray() {
            return out.toByteArray();
        }
    }

    // ---- exact bytes ----

    @Test
    void handshakeBytes() {
        byte[] expected = concat(
                bytes(0, 0, 0, 16),          // length: 1 + 4 + 2 + 9
                bytes(0x01),                 // HANDSHAKE
                bytes(0, 0, 0, 1),           // protocol_version 1
                bytes(0, 9), ascii("1.2.3.4:5"));
        assertArrayEquals(expected, frame(new Message.Handshake(1, "1.2.3.4:5")));
    }

    @Test
    void handshakeBytesWithTopBitVersionAndMultiByteString() {
        byte[] expected = concat(
                bytes(0, 0, 0, 9),
                bytes(0x01),
                bytes(0xFF, 0xFF, 0xFF, 0xFF),
                bytes(0, 2, 0xC3, 0xBC));    // "ü": the count is bytes, not chars
        assertArrayEquals(expected, frame(new Message.Handshake(0xFFFFFFFFL, "ü")));
    }

    @Test
    void handshakeAckAcceptedBytes() {
        byte[] expected = concat(
                bytes(0, 0, 0, 24),          // 1 + 1 + (2+7) + (2+9) + (2+0)
                bytes(0x02),
                bytes(0x01),                 // accepted
                bytes(0, 7), ascii("1.2.3.4"),
                bytes(0, 9), ascii("5.6.7.8:9"),
                bytes(0, 0));                // empty reason
        assertArrayEquals(expected, frame(new Message.HandshakeAck(true, "1.2.3.4", "5.6.7.8:9", "")));
    }

    @Test
    void handshakeAckRejectedBytes() {
        byte[] expected = concat(
                bytes(0, 0, 0, 20),          // 1 + 1 + (2+3) + (2+5) + (2+4)
                bytes(0x02),
                bytes(0x00),                 // not accepted
                bytes(0, 3), ascii("::1"),
                bytes(0, 5), ascii("[::2]"),
                bytes(0, 4), ascii("self"));
        assertArrayEquals(expected, frame(new Message.HandshakeAck(false, "::1", "[::2]", "self")));
    }

    @Test
    void goodbyeBytes() {
        byte[] expected = concat(bytes(0, 0, 0, 6), bytes(0x03), bytes(0, 3), ascii("bye"));
        assertArrayEquals(expected, frame(new Message.Goodbye("bye")));
    }

    @Test
    void goodbyeBytesWithEmptyAndMultiByteReason() {
        assertArrayEquals(bytes(0, 0, 0, 3, 0x03, 0, 0), frame(new Message.Goodbye("")));
        // € is E2 82 AC, 😀 is the surrogate pair D83D DE00 in Java and F0 9F 98 80 in UTF-8.
        assertArrayEquals(bytes(0, 0, 0, 10, 0x03, 0, 7, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80),
                frame(new Message.Goodbye("€😀")));
    }

    @Test
    void announceBytes() {
        byte[] expected = concat(
                bytes(0, 0, 0, 20),          // 1 + (2+1) + 8 + 8
                bytes(0x10),
                bytes(0, 1), ascii("a"),
                bytes(0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08),
                bytes(0x80, 0, 0, 0, 0, 0, 0, 0x01));   // top bit set: negative as a Java long
        assertArrayEquals(expected, frame(new Message.Announce("a", 0x0102030405060708L, 0x8000000000000001L)));
    }

    @Test
    void viewBytes() {
        byte[] expected = concat(
                bytes(0, 0, 0, 19),          // 1 + 8 + 4 + (2+1) + (2+1)
                bytes(0x12),
                bytes(0, 0, 0, 0, 0, 0, 0x01, 0x02),
                bytes(0, 0, 0, 2),
                bytes(0, 1), ascii("a"),
                bytes(0, 1), ascii("b"));
        assertArrayEquals(expected, frame(new Message.View(0x0102, List.of("a", "b"))));
    }

    @Test
    void viewCountAbove65535IsAViolation() {
        assertViolation(new Body().u8(0x12).u64(1).u32(65536).toArray());
        // Even with every address present: the count alone is the violation.
        Body full = new Body().u8(0x12).u64(1).u32(65536);
        for (int i = 0; i < 65536; i++) {
            full.str("");
        }
        assertViolation(full.toArray());
    }

    @Test
    void viewCountRunningPastTheBodyIsAViolation() {
        assertViolation(new Body().u8(0x12).u64(1).u32(3).str("127.0.0.1:7100").str("127.0.0.2:7100").toArray());
        assertViolation(new Body().u8(0x12).u64(1).u32(0xFFFFFFFFL).toArray());
        assertViolation(new Body().u8(0x12).u64(1).toArray());
    }

    @Test
    void viewOfExactly65535AddressesIsRead() throws Exception {
        Body full = new Body().u8(0x12).u64(9).u32(65535);
        for (int i = 0; i < 65535; i++) {
            full.str("");
        }
        Message m = decode(full.toArray());
        assertEquals(65535, ((Message.View) m).addresses().size());
    }

    @Test
    void payloadBytes() {
        byte[] expected = concat(
                bytes(0, 0, 0, 10),          // 1 + (2+1) + (4+2)
                bytes(0x11),
                bytes(0, 1), ascii("t"),
                bytes(0, 0, 0, 2), bytes(0xDE, 0xAD));
        assertArrayEquals(expected, frame(new Message.Payload("t", bytes(0xDE, 0xAD))));
    }

    @Test
    void payloadBytesWithEmptyTopicAndData() {
        assertArrayEquals(bytes(0, 0, 0, 7, 0x11, 0, 0, 0, 0, 0, 0), frame(new Message.Payload("", new byte[0])));
    }

    @Test
    void largePayloadHeaderCountsTheWholeBody() {
        byte[] data = new byte[1 << 20];
        byte[] f = frame(new Message.Payload("blk", data));
        // 1 MiB + type + STR "blk" + BYTES count
        assertArrayEquals(bytes(0, 0x10, 0, 1 + 5 + 4), Arrays.copyOfRange(f, 0, 4));
        assertArrayEquals(bytes(0x11, 0, 3, 'b', 'l', 'k', 0, 0x10, 0, 0), Arrays.copyOfRange(f, 4, 14));
    }

    // ---- round trips ----

    @Test
    void handshakeRoundTrips() throws Exception {
        roundTrip(new Message.Handshake(1, "127.0.0.2:7100"));
        roundTrip(new Message.Handshake(0, ""));
        roundTrip(new Message.Handshake(0xFFFFFFFFL, "[2001:db8::1]:65535"));
        roundTrip(new Message.Handshake(0x80000000L, MULTI_BYTE));
    }

    @Test
    void handshakeVersionIsUnsigned() throws Exception {
        Message.Handshake h = (Message.Handshake) roundTrip(new Message.Handshake(0xFFFFFFFFL, "x"));
        // Decoded as a u32, never as a negative int.
        assertEquals(4294967295L, h.protocolVersion());
    }

    @Test
    void handshakeAckRoundTrips() throws Exception {
        roundTrip(new Message.HandshakeAck(true, "127.0.0.2", "127.0.0.3:7100", ""));
        roundTrip(new Message.HandshakeAck(false, "", "", ""));
        roundTrip(new Message.HandshakeAck(false, "::1", "[::1]:7101", "unknown peer " + MULTI_BYTE));
        roundTrip(new Message.HandshakeAck(true, MULTI_BYTE, MULTI_BYTE, MULTI_BYTE));
    }

    @Test
    void goodbyeRoundTrips() throws Exception {
        roundTrip(new Message.Goodbye(""));
        roundTrip(new Message.Goodbye("superseded"));
        roundTrip(new Message.Goodbye(MULTI_BYTE));
    }

    @Test
    void announceRoundTripsFullU64Range() throws Exception {
        roundTrip(new Message.Announce("127.0.0.2:7100", 0, 0));
        roundTrip(new Message.Announce("", 1, 1_700_000_000_000L));
        roundTrip(new Message.Announce(MULTI_BYTE, Long.MAX_VALUE, Long.MIN_VALUE));
        // u64 0xFFFF_FFFF_FFFF_FFFF travels as Java -1; its bytes must survive.
        Message.Announce a = (Message.Announce) roundTrip(new Message.Announce("[::1]:7100", -1L, 0x8000000000000000L | 42));
        assertEquals("18446744073709551615", Long.toUnsignedString(a.sequence()));
        assertEquals(0x8000000000000000L | 42, a.timestampMs());
    }

    @Test
    void payloadRoundTrips() throws Exception {
        roundTrip(new Message.Payload("", new byte[0]));
        roundTrip(new Message.Payload("tx", bytes(0x00, 0xFF, 0x80, 0x7F)));
        roundTrip(new Message.Payload(MULTI_BYTE, bytes(1)));
    }

    @Test
    void oneMebibytePayloadRoundTrips() throws Exception {
        byte[] data = new byte[1 << 20];
        new Random(7).nextBytes(data);
        Message.Payload back = (Message.Payload) roundTrip(new Message.Payload("block", data));
        assertArrayEquals(data, back.data());
    }

    @Test
    void longestStrRoundTripsAndOneMoreByteCannotBeEncoded() throws Exception {
        String longest = "a".repeat(0xFFFF);
        roundTrip(new Message.Goodbye(longest));
        // 65535 bytes fit a u16 count; 65536 would wrap to 0 and corrupt the stream.
        assertThrows(IllegalArgumentException.class, () -> MessageCodec.encode(new Message.Goodbye(longest + "a")));
        // The limit is in bytes: 21846 three-byte chars are 65538 bytes.
        assertThrows(IllegalArgumentException.class, () -> MessageCodec.encode(new Message.Goodbye("€".repeat(21846))));
    }

    @Test
    void unknownCannotBeEncoded() {
        // Unknown only stands for frames received; sending one would be a bug.
        assertThrows(IllegalArgumentException.class, () -> MessageCodec.encode(new Message.Unknown(0x7F, 1)));
    }

    @Test
    void decodeReadsOnlyBetweenPositionAndLimit() throws Exception {
        // FrameDecoder hands over a window into a larger buffer; bytes outside it are other frames.
        byte[] goodbye = body(new Message.Goodbye("bye"));
        byte[] surrounded = concat(bytes(0xAA, 0xBB, 0xCC), goodbye, bytes(0x02, 0x07));
        ByteBuffer window = ByteBuffer.wrap(surrounded);
        window.position(3).limit(3 + goodbye.length);
        assertEquals(new Message.Goodbye("bye"), MessageCodec.decode(window));
    }

    // ---- trailing bytes and unknown types ----

    static Stream<Message> oneOfEachType() {
        return Stream.of(
                // A handshake's trailing bytes come after its limits group; inside the group they are a violation.
                new Message.Handshake(1, "127.0.0.2:7100", new Message.Limits(65536, 20000)),
                new Message.HandshakeAck(true, "127.0.0.2", "127.0.0.3:7100", "", new Message.Limits(4096, 100)),
                new Message.HandshakeAck(false, "127.0.0.2", "127.0.0.3:7100", "unknown peer",
                        new Message.Limits(4194304, 60000)),
                new Message.Goodbye("shutting down"),
                new Message.Announce("127.0.0.2:7100", 3, 1_700_000_000_000L),
                new Message.Payload("tx", bytes(1, 2, 3)),
                new Message.View(7, List.of("127.0.0.1:7100", "127.0.0.3:7100")),
                new Message.View(0, List.of()));
    }

    @ParameterizedTest
    @MethodSource("oneOfEachType")
    void trailingBytesAreIgnored(Message m) throws Exception {
        // Room for later fields: a newer peer may append, and this version must still read it.
        assertEquals(m, decode(concat(body(m), bytes(0xFF))));
        assertEquals(m, decode(concat(body(m), bytes(0x00, 0x80, 0xC0, 0xFF, 0x12, 0x34, 0x56, 0x78, 0x9A))));
    }

    @ParameterizedTest
    @ValueSource(ints = {0x00, 0x04, 0x0F, 0x13, 0x7F, 0x80, 0xFF})
    void unknownTypeDecodesToUnknown(int type) throws Exception {
        // After the handshake an unknown type is ignored and counted, so decoding must not fail.
        assertEquals(new Message.Unknown(type, 1), decode(bytes(type)));
        assertEquals(new Message.Unknown(type, 5), decode(bytes(type, 0xFF, 0xFF, 0xFF, 0xFF)));
    }

    @Test
    void unknownTypeWithInvalidUtf8IsStillUnknown() throws Exception {
        // Its fields are not ours to judge.
        assertEquals(new Message.Unknown(0x7F, 4), decode(bytes(0x7F, 0, 1, 0x80)));
    }

    // ---- violations ----

    @Test
    void emptyBodyIsAViolation() {
        assertViolation(new byte[0]);
    }

    @ParameterizedTest
    @MethodSource("oneOfEachType")
    void everyTruncationIsAViolation(Message m) throws Exception {
        byte[] full = body(m);
        assertEquals(m, decode(full));
        // Every prefix shorter than the fields leaves some field short, except the one that ends
        // exactly before the optional limits group: that is the same handshake from an older peer.
        int withoutLimits = withoutLimits(m) == null ? -1 : full.length - 8;
        for (int k = 0; k < full.length; k++) {
            if (k == withoutLimits) {
                assertEquals(withoutLimits(m), decode(Arrays.copyOf(full, k)));
            } else {
                assertViolation(Arrays.copyOf(full, k));
            }
        }
    }

    private static Message withoutLimits(Message m) {
        if (m instanceof Message.Handshake h && h.limits() != null) {
            return new Message.Handshake(h.protocolVersion(), h.myAddress());
        }
        if (m instanceof Message.HandshakeAck a && a.limits() != null) {
            return new Message.HandshakeAck(a.accepted(), a.yourIp(), a.myAddress(), a.reason());
        }
        return null;
    }

    @Test
    void everyTruncationOfBodiesWithEmptyStringsIsAViolation() throws Exception {
        // Empty STRs are the shortest bodies: their count bytes must still be present.
        for (Message m : List.<Message>of(
                new Message.Handshake(0, ""),
                new Message.HandshakeAck(true, "", "", ""),
                new Message.Goodbye(""),
                new Message.Announce("", 0, 0),
                new Message.Payload("", new byte[0]))) {
            byte[] full = body(m);
            assertEquals(m, decode(full));
            for (int k = 0; k < full.length; k++) {
                assertViolation(Arrays.copyOf(full, k));
            }
        }
    }

    static Stream<Arguments> invalidUtf8() {
        return Stream.of(
                Arguments.of("lone continuation byte", bytes(0x80)),
                Arguments.of("continuation byte after ASCII", bytes('a', 0x80, 'b')),
                Arguments.of("overlong '/'", bytes(0xC0, 0xAF)),
                Arguments.of("overlong NUL", bytes(0xC0, 0x80)),
                Arguments.of("overlong 3-byte", bytes(0xE0, 0x80, 0xAF)),
                Arguments.of("truncated 2-byte", bytes(0xC3)),
                Arguments.of("truncated 3-byte", bytes(0xE2, 0x82)),
                Arguments.of("truncated 4-byte", bytes(0xF0, 0x9F, 0x98)),
                Arguments.of("truncated then ASCII", bytes(0xE2, 0x82, 'a')),
                Arguments.of("UTF-16 high surrogate", bytes(0xED, 0xA0, 0x80)),
                Arguments.of("UTF-16 low surrogate", bytes(0xED, 0xBF, 0xBF)),
                Arguments.of("above U+10FFFF", bytes(0xF4, 0x90, 0x80, 0x80)),
                Arguments.of("byte 0xFF", bytes(0xFF)),
                Arguments.of("byte 0xFE", bytes(0xFE)));
    }

    /** Builds a body of every known type with {@code bad} in one of its STR fields. */
    static List<Function<byte[], byte[]>> bodiesWithStr() {
        return List.of(
                bad -> new Body().u8(0x01).u32(1).str(bad).toArray(),
                bad -> new Body().u8(0x02).u8(1).str(bad).str("a").str("").toArray(),
                bad -> new Body().u8(0x02).u8(0).str("1.2.3.4").str(bad).str("r").toArray(),
                bad -> new Body().u8(0x02).u8(0).str("1.2.3.4").str("5.6.7.8:9").str(bad).toArray(),
                bad -> new Body().u8(0x03).str(bad).toArray(),
                bad -> new Body().u8(0x10).str(bad).u64(1).u64(2).toArray(),
                bad -> new Body().u8(0x11).str(bad).u32(0).toArray());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidUtf8")
    void invalidUtf8InAnyStrIsAViolation(String what, byte[] bad) throws Exception {
        // Sanity: the same body with valid text decodes, so only the bad bytes are to blame.
        for (Function<byte[], byte[]> build : bodiesWithStr()) {
            decode(build.apply(ascii("ok")));
            assertViolation(build.apply(bad));
        }
    }

    @Test
    void validUtf8EdgesAreAccepted() throws Exception {
        // The largest code points of each length, U+FFFF and U+10FFFF, are valid UTF-8.
        byte[] edges = bytes(0x7F, 0xDF, 0xBF, 0xEF, 0xBF, 0xBF, 0xF4, 0x8F, 0xBF, 0xBF, 0xEE, 0x80, 0x80);
        Message m = decode(new Body().u8(0x03).str(edges).toArray());
        assertEquals(new Message.Goodbye("\u007F\u07FF\uFFFF" + new String(Character.toChars(0x10FFFF)) + "\uE000"), m);
    }

    @Test
    void strCountPastTheEndIsAViolation() {
        assertViolation(new Body().u8(0x03).u16(4).raw(ascii("bye")).toArray());
        assertViolation(new Body().u8(0x03).u16(0xFFFF).raw(ascii("bye")).toArray());
        assertViolation(new Body().u8(0x03).u16(1).toArray());
        // Middle field: the count swallows what should be the following fields.
        assertViolation(new Body().u8(0x02).u8(1).u16(20).raw(ascii("1.2.3.4")).str("a").str("").toArray());
        assertViolation(new Body().u8(0x01).u32(1).u16(10).raw(ascii("1.2.3.4:5")).toArray());
        assertViolation(new Body().u8(0x10).u16(0x8000).raw(ascii("a")).u64(1).u64(2).toArray());
        assertViolation(new Body().u8(0x11).u16(200).raw(ascii("t")).u32(0).toArray());
    }

    @Test
    void strCountThatFitsOnlyWithoutLaterFieldsIsAViolation() {
        // The STR ends exactly at the body end, so the u64 fields after it are missing.
        assertViolation(new Body().u8(0x10).u16(17).raw(ascii("a")).u64(1).u64(2).toArray());
    }

    @ParameterizedTest
    @ValueSource(longs = {3, 4, 100, 0x7FFFFFFFL, 0x80000000L, 0xFFFFFFFFL})
    void bytesCountPastTheEndIsAViolation(long count) {
        // Two data bytes present; any larger count runs past the end. 0x80000000 and up
        // are negative as a Java int and must not slip through a signed compare.
        assertViolation(new Body().u8(0x11).str("t").u32(count).raw(bytes(0xDE, 0xAD)).toArray());
    }

    @Test
    void bytesCountExactlyAtTheEndIsFine() throws Exception {
        assertEquals(new Message.Payload("t", bytes(0xDE, 0xAD)),
                decode(new Body().u8(0x11).str("t").u32(2).raw(bytes(0xDE, 0xAD)).toArray()));
        // A shorter count leaves trailing bytes, which are ignored.
        assertEquals(new Message.Payload("t", bytes(0xDE)),
                decode(new Body().u8(0x11).str("t").u32(1).raw(bytes(0xDE, 0xAD)).toArray()));
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 0x80, 0xFF})
    void handshakeAckAcceptedOtherThanZeroOrOneIsAViolation(int accepted) {
        assertViolation(new Body().u8(0x02).u8(accepted).str("1.2.3.4").str("5.6.7.8:9").str("").toArray());
    }

    @Test
    void handshakeAckAcceptedZeroAndOneDecode() throws Exception {
        assertEquals(new Message.HandshakeAck(false, "a", "b", "c"),
                decode(new Body().u8(0x02).u8(0).str("a").str("b").str("c").toArray()));
        assertEquals(new Message.HandshakeAck(true, "a", "b", ""),
                decode(new Body().u8(0x02).u8(1).str("a").str("b").str("").toArray()));
    }

    @Test
    void handBuiltBodiesDecodeToTheExpectedMessages() throws Exception {
        // Decoding checked against the builder, not only against encode, so a symmetric
        // mistake in both directions cannot hide.
        assertEquals(new Message.Handshake(0xFFFFFFFFL, MULTI_BYTE),
                decode(new Body().u8(0x01).u32(0xFFFFFFFFL).str(MULTI_BYTE).toArray()));
        assertEquals(new Message.Announce("a", -2L, Long.MIN_VALUE),
                decode(new Body().u8(0x10).str("a").u64(0xFFFFFFFFFFFFFFFEL).u64(0x8000000000000000L).toArray()));
        assertEquals(new Message.Payload("t", new byte[0]),
                decode(new Body().u8(0x11).str("t").u32(0).toArray()));
    }
}
