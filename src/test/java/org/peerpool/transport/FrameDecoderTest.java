package org.peerpool.transport;

import org.peerpool.wire.Message;
import org.peerpool.wire.MessageCodec;
import org.peerpool.wire.ProtocolViolationException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.filterchain.IoFilter;
import org.apache.mina.core.session.DummySession;
import org.apache.mina.core.session.IdleStatus;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.core.write.WriteRequest;
import org.apache.mina.filter.FilterEvent;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * PROTOCOL.md section 2 over a byte stream: TCP may cut frames anywhere, so the
 * decoder must reassemble them whatever the read sizes, apply the size limit that is
 * in force for each frame from its header alone, and stop dead at the first
 * violation. Driven directly, with a recording stub as the next filter and a MINA
 * {@link DummySession}, so no socket or thread is involved.
 */
class FrameDecoderTest {

    private static final int HANDSHAKE_LIMIT = MessageCodec.MAX_HANDSHAKE_FRAME;
    private static final int MAX_FRAME_BYTES = 4_194_304;

    /** Records what the decoder passes on, in order; any other event fails the test. */
    private static final class RecordingNextFilter implements IoFilter.NextFilter {
        final List<Object> events = new ArrayList<>();
        final List<Object> received = new ArrayList<>();
        final List<Throwable> caught = new ArrayList<>();
        Consumer<Object> onMessage = m -> { };

        @Override
        public void messageReceived(IoSession session, Object message) {
            events.add(message);
            received.add(message);
            onMessage.accept(message);
        }

        @Override
        public void exceptionCaught(IoSession session, Throwable cause) {
            events.add(cause);
            caught.add(cause);
        }

        private static AssertionError unexpected(String event) {
            return new AssertionError("FrameDecoder must not pass on " + event);
        }

        @Override
        public void sessionCreated(IoSession session) {
            throw unexpected("sessionCreated");
        }

        @Override
        public void sessionOpened(IoSession session) {
            throw unexpected("sessionOpened");
        }

        @Override
        public void sessionClosed(IoSession session) {
            throw unexpected("sessionClosed");
        }

        @Override
        public void sessionIdle(IoSession session, IdleStatus status) {
            throw unexpected("sessionIdle");
        }

        @Override
        public void inputClosed(IoSession session) {
            throw unexpected("inputClosed");
        }

        @Override
        public void messageSent(IoSession session, WriteRequest writeRequest) {
            throw unexpected("messageSent");
        }

        @Override
        public void filterWrite(IoSession session, WriteRequest writeRequest) {
            throw unexpected("filterWrite");
        }

        @Override
        public void filterClose(IoSession session) {
            throw unexpected("filterClose");
        }

        @Override
        public void event(IoSession session, FilterEvent event) {
            throw unexpected("event " + event);
        }
    }

    private RecordingNextFilter next;
    private DummySession session;

    @BeforeEach
    void setUp() {
        next = new RecordingNextFilter();
        session = new DummySession();
    }

    // ---- helpers ----

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    private static byte[] frame(Message m) {
        java.nio.ByteBuffer buf = MessageCodec.encode(m);
        byte[] out = new byte[buf.remaining()];
        buf.get(out);
        return out;
    }

    private static byte[] stream(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object p : parts) {
            out.writeBytes(p instanceof Message m ? frame(m) : (byte[]) p);
        }
        return out.toByteArray();
    }

    /** A frame header alone: the u32 body length. */
    private static byte[] header(long length) {
        return bytes((int) (length >>> 24), (int) (length >>> 16), (int) (length >>> 8), (int) length);
    }

    /** A PAYLOAD whose frame body is exactly {@code bodyLength} bytes. */
    private static Message.Payload payloadWithBody(int bodyLength) {
        // body = type(1) + STR "p"(2+1) + BYTES count(4) + data
        byte[] data = new byte[bodyLength - 8];
        new Random(bodyLength).nextBytes(data);
        Message.Payload p = new Message.Payload("p", data);
        assertEquals(bodyLength, frame(p).length - MessageCodec.HEADER_BYTES);
        return p;
    }

    private static FrameDecoder fixedLimit(int limit) {
        return decoder(s -> limit);
    }

    /** A decoder whose budget never holds a frame back (the budget has its own tests). */
    private static FrameDecoder decoder(ToIntFunction<IoSession> limit) {
        return new FrameDecoder(limit, new InboundBudget(() -> Long.MAX_VALUE));
    }

    /**
     * Feeds {@code [from, to)} of {@code stream} as one read, then scribbles over the
     * bytes handed in: whatever the decoder keeps or passes on must be its own copy,
     * since MINA may reuse or release a read buffer.
     */
    private void feed(FrameDecoder decoder, IoSession s, byte[] stream, int from, int to) throws Exception {
        byte[] chunk = Arrays.copyOfRange(stream, from, to);
        decoder.messageReceived(next, s, IoBuffer.wrap(chunk));
        Arrays.fill(chunk, (byte) 0xEE);
    }

    private void feed(FrameDecoder decoder, byte[] stream) throws Exception {
        feed(decoder, session, stream, 0, stream.length);
    }

    private void assertOneViolation() {
        assertEquals(1, next.caught.size(), "exceptionCaught calls: " + next.caught);
        assertInstanceOf(ProtocolViolationException.class, next.caught.get(0));
        // Nothing may be delivered after the violation.
        assertSame(next.caught.get(0), next.events.get(next.events.size() - 1), "events: " + next.events);
    }

    /** One of each type, an unknown type and empty fields: about 150 bytes. */
    private static final List<Message> MESSAGES = List.of(
            new Message.Handshake(1, "127.0.0.2:7100"),
            new Message.HandshakeAck(true, "127.0.0.2", "127.0.0.3:7100", ""),
            new Message.Announce("127.0.0.3:7100", 1, 1_700_000_000_000L),
            new Message.Payload("tx", bytes(0, 1, 2, 3, 0x80, 0xFF, 0xEE, 0xEE)),
            new Message.Unknown(0x7F, 3),
            new Message.Payload("", new byte[0]),
            new Message.Goodbye("ünï€😀"));

    /** MESSAGES as one byte stream; the unknown frame is written by hand. */
    private static byte[] messageStream() {
        List<Object> parts = new ArrayList<>();
        for (Message m : MESSAGES) {
            parts.add(m instanceof Message.Unknown ? stream(header(3), bytes(0x7F, 0xAA, 0xBB)) : m);
        }
        return stream(parts.toArray());
    }

    // ---- reassembly ----

    @Test
    void severalFramesInOneBufferArriveInOrder() throws Exception {
        feed(fixedLimit(HANDSHAKE_LIMIT), messageStream());
        assertEquals(MESSAGES, next.received);
        assertTrue(next.caught.isEmpty(), () -> "unexpected: " + next.caught);
    }

    @Test
    void streamSplitAtEveryByteBoundaryReassembles() throws Exception {
        byte[] all = messageStream();
        FrameDecoder decoder = fixedLimit(HANDSHAKE_LIMIT);
        // k = 0 and k = n include an empty read, which must be harmless.
        for (int k = 0; k <= all.length; k++) {
            next = new RecordingNextFilter();
            DummySession s = new DummySession();
            feed(decoder, s, all, 0, k);
            feed(decoder, s, all, k, all.length);
            assertEquals(MESSAGES, next.received, "split at " + k);
            assertTrue(next.caught.isEmpty(), "split at " + k + ": " + next.caught);
        }
    }

    @Test
    void streamSplitAtEveryPairOfBoundariesReassembles() throws Exception {
        // Three reads: covers a header split across reads followed by a body split across reads.
        byte[] all = messageStream();
        FrameDecoder decoder = fixedLimit(HANDSHAKE_LIMIT);
        for (int i = 0; i <= all.length; i++) {
            for (int j = i; j <= all.length; j++) {
                next = new RecordingNextFilter();
                DummySession s = new DummySession();
                feed(decoder, s, all, 0, i);
                feed(decoder, s, all, i, j);
                feed(decoder, s, all, j, all.length);
                assertEquals(MESSAGES, next.received, "split at " + i + ", " + j);
                assertTrue(next.caught.isEmpty(), "split at " + i + ", " + j);
            }
        }
    }

    @Test
    void oneBytePerBufferReassembles() throws Exception {
        byte[] all = messageStream();
        FrameDecoder decoder = fixedLimit(HANDSHAKE_LIMIT);
        for (int i = 0; i < all.length; i++) {
            feed(decoder, session, all, i, i + 1);
        }
        assertEquals(MESSAGES, next.received);
        assertTrue(next.caught.isEmpty(), () -> "unexpected: " + next.caught);
    }

    @Test
    void partialFrameIsNotDeliveredEarly() throws Exception {
        byte[] f = frame(new Message.Goodbye("bye"));
        FrameDecoder decoder = fixedLimit(HANDSHAKE_LIMIT);
        // Part of the header, then the header, then all but the last body byte.
        feed(decoder, session, f, 0, 2);
        assertTrue(next.events.isEmpty());
        feed(decoder, session, f, 2, 4);
        assertTrue(next.events.isEmpty());
        feed(decoder, session, f, 4, f.length - 1);
        assertTrue(next.events.isEmpty(), () -> "delivered early: " + next.events);
        feed(decoder, session, f, f.length - 1, f.length);
        assertEquals(List.of(new Message.Goodbye("bye")), next.received);
    }

    @Test
    void completeFramesAreDeliveredAndTheTailIsHeld() throws Exception {
        // One read holding two whole frames and the start of a third.
        byte[] all = stream(new Message.Goodbye("a"), new Message.Goodbye("b"), new Message.Goodbye("c"));
        FrameDecoder decoder = fixedLimit(HANDSHAKE_LIMIT);
        feed(decoder, session, all, 0, all.length - 2);
        assertEquals(List.of(new Message.Goodbye("a"), new Message.Goodbye("b")), next.received);
        feed(decoder, session, all, all.length - 2, all.length);
        assertEquals(List.of(new Message.Goodbye("a"), new Message.Goodbye("b"), new Message.Goodbye("c")), next.received);
    }

    @Test
    void largeFramesInRandomReadsReassemble() throws Exception {
        // Frames much larger than a read, mixed with small ones, so the held remainder
        // grows, drains, is dropped and is rebuilt many times.
        List<Message> expected = new ArrayList<>();
        Random random = new Random(1);
        for (int i = 0; i < 12; i++) {
            byte[] data = new byte[i % 3 == 0 ? 300_000 + random.nextInt(10_000) : random.nextInt(50)];
            random.nextBytes(data);
            expected.add(new Message.Payload("t" + i, data));
            expected.add(new Message.Announce("127.0.0.2:7100", i, -i));
        }
        byte[] all = stream(expected.toArray());
        FrameDecoder decoder = fixedLimit(MAX_FRAME_BYTES);
        for (int pos = 0; pos < all.length; ) {
            int end = Math.min(all.length, pos + 1 + random.nextInt(20_000));
            feed(decoder, session, all, pos, end);
            pos = end;
        }
        assertEquals(expected, next.received);
        assertTrue(next.caught.isEmpty(), () -> "unexpected: " + next.caught);
    }

    @Test
    void sessionsAreReassembledIndependently() throws Exception {
        // One decoder instance sits in every session's chain; state must be per session.
        byte[] a = frame(new Message.Goodbye("from a"));
        byte[] b = frame(new Message.Goodbye("from b"));
        DummySession other = new DummySession();
        RecordingNextFilter nextA = next;
        RecordingNextFilter nextB = new RecordingNextFilter();
        FrameDecoder decoder = fixedLimit(HANDSHAKE_LIMIT);
        decoder.messageReceived(nextA, session, IoBuffer.wrap(Arrays.copyOfRange(a, 0, 5)));
        decoder.messageReceived(nextB, other, IoBuffer.wrap(Arrays.copyOfRange(b, 0, 7)));
        decoder.messageReceived(nextA, session, IoBuffer.wrap(Arrays.copyOfRange(a, 5, a.length)));
        decoder.messageReceived(nextB, other, IoBuffer.wrap(Arrays.copyOfRange(b, 7, b.length)));
        assertEquals(List.of(new Message.Goodbye("from a")), nextA.received);
        assertEquals(List.of(new Message.Goodbye("from b")), nextB.received);
    }

    @Test
    void violationOnOneSessionDoesNotDisturbAnother() throws Exception {
        DummySession other = new DummySession();
        RecordingNextFilter nextB = new RecordingNextFilter();
        FrameDecoder decoder = fixedLimit(HANDSHAKE_LIMIT);
        byte[] b = frame(new Message.Goodbye("still here"));
        decoder.messageReceived(nextB, other, IoBuffer.wrap(Arrays.copyOfRange(b, 0, 6)));
        feed(decoder, header(0));
        assertOneViolation();
        decoder.messageReceived(nextB, other, IoBuffer.wrap(Arrays.copyOfRange(b, 6, b.length)));
        assertEquals(List.of(new Message.Goodbye("still here")), nextB.received);
        assertTrue(nextB.caught.isEmpty());
    }

    @Test
    void otherMessageObjectsPassThroughUntouched() throws Exception {
        Object notABuffer = "already decoded";
        fixedLimit(HANDSHAKE_LIMIT).messageReceived(next, session, notABuffer);
        assertEquals(List.of(notABuffer), next.received);
        assertSame(notABuffer, next.received.get(0));
    }

    // ---- violations ----

    @Test
    void zeroLengthFrameIsAViolation() throws Exception {
        FrameDecoder decoder = fixedLimit(HANDSHAKE_LIMIT);
        Message first = new Message.Goodbye("first");
        feed(decoder, stream(first, header(0), new Message.Goodbye("after")));
        assertEquals(List.of(first), next.received);
        assertOneViolation();
    }

    @Test
    void zeroLengthAsFirstFrameAndSplitHeaderIsAViolation() throws Exception {
        FrameDecoder decoder = fixedLimit(HANDSHAKE_LIMIT);
        feed(decoder, bytes(0, 0));
        assertTrue(next.events.isEmpty());
        feed(decoder, bytes(0, 0));
        assertTrue(next.received.isEmpty());
        assertOneViolation();
    }

    @Test
    void dataAfterAViolationIsDiscarded() throws Exception {
        FrameDecoder decoder = fixedLimit(HANDSHAKE_LIMIT);
        feed(decoder, header(0));
        assertOneViolation();
        // Valid frames, a would-be second violation and garbage: none may surface.
        feed(decoder, frame(new Message.Goodbye("late")));
        feed(decoder, header(0));
        feed(decoder, header(0xFFFFFFFFL));
        byte[] garbage = new byte[10_000];
        new Random(3).nextBytes(garbage);
        feed(decoder, garbage);
        feed(decoder, messageStream());
        assertTrue(next.received.isEmpty(), () -> "delivered after violation: " + next.received);
        assertOneViolation();
    }

    @Test
    void violationInAFrameCompletedFromHeldBytesStopsTheStream() throws Exception {
        // The bad frame is cut across reads, so it is decoded from the held remainder.
        FrameDecoder decoder = fixedLimit(HANDSHAKE_LIMIT);
        byte[] all = stream(new Message.Goodbye("ok"), header(3), bytes(0x03, 0, 5), new Message.Goodbye("after"));
        int cut = frame(new Message.Goodbye("ok")).length + 5;
        feed(decoder, session, all, 0, cut);
        assertEquals(List.of(new Message.Goodbye("ok")), next.received);
        assertTrue(next.caught.isEmpty());
        feed(decoder, session, all, cut, all.length);
        assertEquals(List.of(new Message.Goodbye("ok")), next.received);
        assertOneViolation();
        feed(decoder, frame(new Message.Goodbye("later")));
        assertEquals(List.of(new Message.Goodbye("ok")), next.received);
        assertOneViolation();
    }

    @Test
    void badBodyIsAViolationAndStopsTheStream() throws Exception {
        FrameDecoder decoder = fixedLimit(HANDSHAKE_LIMIT);
        byte[] badAck = stream(header(8), bytes(0x02, 2, 0, 0, 0, 0, 0, 0));   // accepted=2
        feed(decoder, stream(new Message.Goodbye("before"), badAck, new Message.Goodbye("after")));
        assertEquals(List.of(new Message.Goodbye("before")), next.received);
        assertOneViolation();
    }

    @Test
    void invalidUtf8InAFrameIsAViolation() throws Exception {
        FrameDecoder decoder = fixedLimit(HANDSHAKE_LIMIT);
        feed(decoder, stream(header(4), bytes(0x03, 0, 1, 0x80), new Message.Goodbye("after")));
        assertTrue(next.received.isEmpty());
        assertOneViolation();
    }

    @Test
    void frameAtTheLimitPasses() throws Exception {
        Message atLimit = payloadWithBody(HANDSHAKE_LIMIT);
        feed(fixedLimit(HANDSHAKE_LIMIT), frame(atLimit));
        assertEquals(List.of(atLimit), next.received);
        assertTrue(next.caught.isEmpty());
    }

    @Test
    void frameOneOverTheLimitIsAViolation() throws Exception {
        feed(fixedLimit(HANDSHAKE_LIMIT), frame(payloadWithBody(HANDSHAKE_LIMIT + 1)));
        assertTrue(next.received.isEmpty());
        assertOneViolation();
        // The reason names the offending length, for the log.
        assertTrue(next.caught.get(0).getMessage().contains(String.valueOf(HANDSHAKE_LIMIT + 1)), next.caught.get(0).getMessage());
    }

    @Test
    void oversizeIsDetectedFromTheHeaderAlone() throws Exception {
        // No body byte ever arrives: the decoder must not wait for 4097 bytes it will refuse.
        FrameDecoder decoder = fixedLimit(HANDSHAKE_LIMIT);
        feed(decoder, header(HANDSHAKE_LIMIT + 1));
        assertOneViolation();
    }

    @Test
    void oversizeIsDetectedAsSoonAsTheSplitHeaderCompletes() throws Exception {
        FrameDecoder decoder = fixedLimit(HANDSHAKE_LIMIT);
        byte[] h = header(HANDSHAKE_LIMIT + 1);
        feed(decoder, session, h, 0, 3);
        assertTrue(next.events.isEmpty(), "three header bytes say nothing yet");
        feed(decoder, session, h, 3, 4);
        assertOneViolation();
    }

    @Test
    void largestU32LengthIsAViolationNotAnAllocation() throws Exception {
        // 0xFFFFFFFF is negative as a Java int; a signed compare would let it through.
        FrameDecoder decoder = fixedLimit(MAX_FRAME_BYTES);
        feed(decoder, stream(header(0xFFFFFFFFL), bytes(0x11)));
        assertOneViolation();
    }

    @Test
    void lengthJustOverMaxFrameBytesIsAViolation() throws Exception {
        FrameDecoder decoder = fixedLimit(MAX_FRAME_BYTES);
        feed(decoder, header(MAX_FRAME_BYTES + 1L));
        assertOneViolation();
    }

    @Test
    void limitIsAskedForTheSessionTheFrameArrivedOn() throws Exception {
        List<IoSession> asked = new ArrayList<>();
        FrameDecoder decoder = decoder(s -> {
            asked.add(s);
            return HANDSHAKE_LIMIT;
        });
        feed(decoder, frame(new Message.Goodbye("x")));
        assertEquals(List.of(new Message.Goodbye("x")), next.received);
        assertTrue(!asked.isEmpty() && asked.stream().allMatch(s -> s == session), () -> "asked for " + asked);
    }

    @Test
    void limitRaisedByTheHandshakeAppliesToTheNextFrameInTheSameRead() throws Exception {
        // The real handler marks the session when the handshake completes; the next frame,
        // even one already in the same read, must be measured against the raised limit.
        ToIntFunction<IoSession> limit = s -> s.containsAttribute("handshaken") ? MAX_FRAME_BYTES : HANDSHAKE_LIMIT;
        next.onMessage = m -> {
            if (m instanceof Message.HandshakeAck) {
                session.setAttribute("handshaken", Boolean.TRUE);
            }
        };
        Message ack = new Message.HandshakeAck(true, "127.0.0.2", "127.0.0.3:7100", "");
        Message big = payloadWithBody(100_000);
        feed(decoder(limit), stream(ack, big));
        assertEquals(List.of(ack, big), next.received);
        assertTrue(next.caught.isEmpty(), () -> "unexpected: " + next.caught);
    }

    @Test
    void limitChangeIsHonouredPerFrame() throws Exception {
        // 4096 until a message was delivered, then max_frame_bytes.
        ToIntFunction<IoSession> limit = s -> next.received.isEmpty() ? HANDSHAKE_LIMIT : MAX_FRAME_BYTES;
        Message big = payloadWithBody(HANDSHAKE_LIMIT + 1);

        // Too big for the first frame...
        feed(decoder(limit), frame(big));
        assertOneViolation();

        // ...but fine as the second, whether in the same read or split across reads.
        next = new RecordingNextFilter();
        session = new DummySession();
        Message first = new Message.Handshake(1, "127.0.0.2:7100");
        feed(decoder(limit), stream(first, big));
        assertEquals(List.of(first, big), next.received);
        assertTrue(next.caught.isEmpty());

        byte[] all = stream(first, big);
        for (int k = 0; k <= all.length; k += 97) {
            next = new RecordingNextFilter();
            DummySession s = new DummySession();
            FrameDecoder decoder = decoder(limit);
            feed(decoder, s, all, 0, k);
            feed(decoder, s, all, k, all.length);
            assertEquals(List.of(first, big), next.received, "split at " + k);
            assertTrue(next.caught.isEmpty(), "split at " + k);
        }
    }

    @Test
    void limitLoweredBetweenFramesIsHonoured() throws Exception {
        // The limit is asked anew for each frame, so a lower limit also takes effect at once.
        ToIntFunction<IoSession> limit = s -> next.received.isEmpty() ? HANDSHAKE_LIMIT : 16;
        Message first = new Message.Goodbye("ok");
        feed(decoder(limit), stream(first, payloadWithBody(17), new Message.Goodbye("after")));
        assertEquals(List.of(first), next.received);
        assertOneViolation();
    }

    @Test
    void framesAfterTheHandlerClosedTheSessionAreNotDelivered() throws Exception {
        // A handler that closes the connection (say on a HANDSHAKE after the handshake)
        // must not be handed the frames that were already in the same read.
        next.onMessage = m -> session.closeNow();
        feed(fixedLimit(HANDSHAKE_LIMIT), stream(new Message.Goodbye("a"), new Message.Goodbye("b")));
        assertEquals(List.of(new Message.Goodbye("a")), next.received);
        feed(fixedLimit(HANDSHAKE_LIMIT), frame(new Message.Goodbye("c")));
        assertEquals(List.of(new Message.Goodbye("a")), next.received);
    }
}
