package org.peerpool.wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The optional {@code limits} group of PROTOCOL.md section 3 at the codec level: it
 * round-trips on HANDSHAKE and HANDSHAKE_ACK, an absent group decodes as null, a body
 * that ends inside the group or announces values under the minimums is a violation,
 * and bytes after the group are ignored. Bodies are built byte by byte here, so the
 * test does not trust the encoder it checks.
 */
@Timeout(10)
class LimitsCodecTest {

    private static final String ADDRESS = "127.0.0.3:7100";

    // ------------------------------------------------------------------ round trips

    @Test
    void handshakeLimitsRoundTrip() throws Exception {
        Message.Limits limits = new Message.Limits(65536, 20_000);
        Message decoded = roundTrip(new Message.Handshake(1, ADDRESS, limits));
        Message.Handshake h = assertInstanceOf(Message.Handshake.class, decoded);
        assertEquals(1, h.protocolVersion());
        assertEquals(ADDRESS, h.myAddress());
        assertEquals(limits, h.limits());
    }

    @Test
    void ackLimitsRoundTrip() throws Exception {
        Message.Limits limits = new Message.Limits(4194304, 100);
        Message decoded = roundTrip(new Message.HandshakeAck(true, "127.0.0.3", "127.0.0.5:7100", "", limits));
        Message.HandshakeAck a = assertInstanceOf(Message.HandshakeAck.class, decoded);
        assertTrue(a.accepted());
        assertEquals("127.0.0.3", a.yourIp());
        assertEquals("127.0.0.5:7100", a.myAddress());
        assertEquals("", a.reason());
        assertEquals(limits, a.limits());
    }

    @Test
    void unsignedMaximumsRoundTrip() throws Exception {
        // u32 fields: values above Integer.MAX_VALUE must survive (no sign flip).
        Message.Limits limits = new Message.Limits(0xFFFFFFFFL, 0x80000000L);
        Message.Handshake h = assertInstanceOf(Message.Handshake.class,
                roundTrip(new Message.Handshake(1, ADDRESS, limits)));
        assertEquals(limits, h.limits());
    }

    @Test
    void encoderWritesTheGroupAsTwoBigEndianU32sAtTheEnd() {
        byte[] frame = bytes(MessageCodec.encode(new Message.Handshake(1, ADDRESS, new Message.Limits(0x01020304, 0x0A0B0C0D))));
        byte[] tail = Arrays.copyOfRange(frame, frame.length - 8, frame.length);
        assertArrayEquals(new byte[] {1, 2, 3, 4, 0x0A, 0x0B, 0x0C, 0x0D}, tail);
        assertEquals(frame.length - MessageCodec.HEADER_BYTES, ByteBuffer.wrap(frame).getInt(), "length counts the group");
        assertArrayEquals(handshakeBody(new byte[] {1, 2, 3, 4, 0x0A, 0x0B, 0x0C, 0x0D}),
                Arrays.copyOfRange(frame, MessageCodec.HEADER_BYTES, frame.length));
    }

    @Test
    void encoderOmitsAnAbsentGroup() {
        byte[] frame = bytes(MessageCodec.encode(new Message.Handshake(1, ADDRESS)));
        assertArrayEquals(handshakeBody(new byte[0]), Arrays.copyOfRange(frame, MessageCodec.HEADER_BYTES, frame.length));
    }

    // ------------------------------------------------------------------ absent group

    @Test
    void handshakeWithoutGroupDecodesAsNull() throws Exception {
        Message.Handshake h = assertInstanceOf(Message.Handshake.class, decode(handshakeBody(new byte[0])));
        assertEquals(ADDRESS, h.myAddress());
        assertNull(h.limits());
    }

    @Test
    void ackWithoutGroupDecodesAsNull() throws Exception {
        Message.HandshakeAck a = assertInstanceOf(Message.HandshakeAck.class, decode(ackBody(new byte[0])));
        assertTrue(a.accepted());
        assertNull(a.limits());
    }

    // ------------------------------------------------------------------ truncated group

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7})
    void handshakeEndingInsideTheGroupIsAViolation(int present) {
        byte[] partial = Arrays.copyOf(limitsBytes(65536, 20_000), present);
        ProtocolViolationException e = assertThrows(ProtocolViolationException.class,
                () -> decode(handshakeBody(partial)));
        assertTrue(e.getMessage().contains("limits"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7})
    void ackEndingInsideTheGroupIsAViolation(int present) {
        byte[] partial = Arrays.copyOf(limitsBytes(65536, 20_000), present);
        assertThrows(ProtocolViolationException.class, () -> decode(ackBody(partial)));
    }

    // ------------------------------------------------------------------ minimums

    @Test
    void maxFrameBytesUnder4096IsAViolation() {
        ProtocolViolationException e = assertThrows(ProtocolViolationException.class,
                () -> decode(handshakeBody(limitsBytes(4095, 20_000))));
        assertTrue(e.getMessage().contains("max_frame_bytes"), e.getMessage());
        assertThrows(ProtocolViolationException.class, () -> decode(ackBody(limitsBytes(4095, 20_000))));
        assertThrows(ProtocolViolationException.class, () -> decode(handshakeBody(limitsBytes(0, 20_000))));
    }

    @Test
    void heartbeatMsUnder100IsAViolation() {
        ProtocolViolationException e = assertThrows(ProtocolViolationException.class,
                () -> decode(handshakeBody(limitsBytes(65536, 99))));
        assertTrue(e.getMessage().contains("heartbeat_ms"), e.getMessage());
        assertThrows(ProtocolViolationException.class, () -> decode(ackBody(limitsBytes(65536, 99))));
        assertThrows(ProtocolViolationException.class, () -> decode(ackBody(limitsBytes(65536, 0))));
    }

    @Test
    void theMinimumsThemselvesAreAccepted() throws Exception {
        Message.Handshake h = assertInstanceOf(Message.Handshake.class, decode(handshakeBody(limitsBytes(4096, 100))));
        assertEquals(new Message.Limits(4096, 100), h.limits());
        Message.HandshakeAck a = assertInstanceOf(Message.HandshakeAck.class, decode(ackBody(limitsBytes(4096, 100))));
        assertEquals(new Message.Limits(4096, 100), a.limits());
    }

    // ------------------------------------------------------------------ trailing bytes

    @Test
    void bytesAfterTheGroupAreIgnored() throws Exception {
        byte[] withTail = concat(limitsBytes(65536, 20_000), new byte[] {9, 9, 9});
        Message.Handshake h = assertInstanceOf(Message.Handshake.class, decode(handshakeBody(withTail)));
        assertEquals(new Message.Limits(65536, 20_000), h.limits());
        Message.HandshakeAck a = assertInstanceOf(Message.HandshakeAck.class, decode(ackBody(concat(withTail, new byte[20]))));
        assertEquals(new Message.Limits(65536, 20_000), a.limits());
    }

    // ------------------------------------------------------------------ helpers

    private static Message roundTrip(Message m) throws ProtocolViolationException {
        ByteBuffer frame = MessageCodec.encode(m);
        int length = frame.getInt();
        assertEquals(frame.remaining(), length, "length prefix");
        return MessageCodec.decode(frame);
    }

    private static Message decode(byte[] body) throws ProtocolViolationException {
        return MessageCodec.decode(ByteBuffer.wrap(body));
    }

    /** type 0x01, version 1, my_address, then {@code tail} (the group, part of it, or more). */
    static byte[] handshakeBody(byte[] tail) {
        byte[] addr = ADDRESS.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(1 + 4 + 2 + addr.length + tail.length);
        b.put((byte) Message.TYPE_HANDSHAKE).putInt(1).putShort((short) addr.length).put(addr).put(tail);
        return b.array();
    }

    /** type 0x02, accepted 1, your_ip, my_address, empty reason, then {@code tail}. */
    private static byte[] ackBody(byte[] tail) {
        byte[] ip = "127.0.0.3".getBytes(StandardCharsets.UTF_8);
        byte[] addr = "127.0.0.5:7100".getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(1 + 1 + 2 + ip.length + 2 + addr.length + 2 + tail.length);
        b.put((byte) Message.TYPE_HANDSHAKE_ACK).put((byte) 1)
                .putShort((short) ip.length).put(ip)
                .putShort((short) addr.length).put(addr)
                .putShort((short) 0)
                .put(tail);
        return b.array();
    }

    static byte[] limitsBytes(long maxFrameBytes, long heartbeatMs) {
        return ByteBuffer.allocate(8).putInt((int) maxFrameBytes).putInt((int) heartbeatMs).array();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
