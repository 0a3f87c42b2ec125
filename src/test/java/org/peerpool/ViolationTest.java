package org.peerpool;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.peerpool.config.NodeConfig;
import org.peerpool.PeerState;
import org.peerpool.testing.Await;
import org.peerpool.testing.RawPeer;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.Message;
import org.peerpool.wire.MessageCodec;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PROTOCOL.md sections 2 and 3 against a real agent at 127.0.0.5: every violation
 * closes the offending connection at once, is counted, and leaves the agent's real
 * connection with 127.0.0.6 untouched; what is not a violation (unknown types after
 * the handshake, trailing bytes, a frame of exactly the limit) is delivered.
 */
@Timeout(60)
class ViolationTest {

    private static final int MAX_FRAME = 8192;
    /** Every wait is for something that must happen; generous, as the machine may be loaded. */
    private static final Duration WAIT = Duration.ofSeconds(15);
    /** Far past {@link #WAIT}, so a close within it is the violation's doing, not the handshake timer's. */
    private static final int HANDSHAKE_TIMEOUT_MS = 120_000;

    private final List<Agent> agents = new ArrayList<>();
    private final List<AutoCloseable> sockets = new ArrayList<>();
    private final BlockingQueue<Received> payloads = new LinkedBlockingQueue<>();
    private int port;
    private NodeAddress three;
    private NodeAddress five;
    private NodeAddress six;
    private NodeAddress nine;
    private Agent agent;
    private Agent peer;
    private long peerConnectionHere;
    private long peerConnectionThere;

    private record Received(NodeAddress from, String topic, byte[] data) {
    }

    @BeforeEach
    void setUp() {
        port = TestNet.freePort(9);
        three = TestNet.address(3, port);
        five = TestNet.address(5, port);
        six = TestNet.address(6, port);
        nine = TestNet.address(9, port);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable s : sockets) {
            s.close();
        }
        agents.forEach(Agent::stop);
    }

    /**
     * Starts the agent under test at 127.0.0.5 (listing 127.0.0.3, 127.0.0.6 and
     * {@code extra}) and a real peer at 127.0.0.6, and waits until they are connected.
     */
    private void startAgents(NodeAddress... extra) throws IOException {
        List<NodeAddress> list = new ArrayList<>(List.of(three, six));
        list.addAll(Arrays.asList(extra));
        NodeConfig cfg = TestNet.fast(NodeConfig.builder(TestNet.ip(5)).port(port).peers(list))
                .handshakeTimeoutMs(HANDSHAKE_TIMEOUT_MS)
                .reverseDialAfterS(0)
                .maxFrameBytes(MAX_FRAME)
                .maxPendingBytes(MAX_FRAME * 8L)
                .build();
        peer = Agent.builder(TestNet.fast(NodeConfig.builder(TestNet.ip(6)).port(port).peers(List.of(five))).build())
                .ioThreads(1).build();
        agents.add(peer);
        peer.start();
        agent = Agent.builder(cfg).ioThreads(1).build();
        agents.add(agent);
        agent.onPayload((from, topic, data) -> payloads.add(new Received(from, topic, data)));
        agent.start();
        Await.until(WAIT, () -> agent.pool().isConnected(six) && peer.pool().isConnected(five),
                "127.0.0.5 and 127.0.0.6 connected");
        peerConnectionHere = agent.pool().snapshot(six).orElseThrow().connectionId();
        peerConnectionThere = peer.pool().snapshot(five).orElseThrow().connectionId();
    }

    /** The real connection between 127.0.0.5 and 127.0.0.6 is the one from the start, on both sides. */
    private void assertPeerUndisturbed() {
        var here = agent.pool().snapshot(six).orElseThrow();
        assertEquals(PeerState.CONNECTED, here.state(), "127.0.0.5's connection with 127.0.0.6");
        assertEquals(peerConnectionHere, here.connectionId(), "127.0.0.5's connection with 127.0.0.6 was replaced");
        var there = peer.pool().snapshot(five).orElseThrow();
        assertEquals(PeerState.CONNECTED, there.state(), "127.0.0.6's connection with 127.0.0.5");
        assertEquals(peerConnectionThere, there.connectionId(), "127.0.0.6's connection with 127.0.0.5 was replaced");
        assertEquals(0, peer.pool().protocolViolations(), "the real peer saw a violation");
    }

    private RawPeer connect() throws IOException {
        RawPeer p = RawPeer.connect(TestNet.ip(3), five);
        sockets.add(p);
        return p;
    }

    /** A RawPeer from 127.0.0.3 whose handshake as the lower configured peer was accepted. */
    private RawPeer handshaken() throws IOException {
        RawPeer p = connect();
        Message.HandshakeAck ack = p.handshakeAs(three);
        assertTrue(ack.accepted(), () -> "handshake rejected: " + ack);
        Await.until(WAIT, () -> agent.pool().isConnected(three), "127.0.0.3 connected");
        return p;
    }

    /** Sends {@code bytes}; the agent must close at once and count exactly one violation. */
    private void assertViolationCloses(RawPeer p, byte[] bytes, String what) throws IOException {
        long before = agent.pool().protocolViolations();
        long failuresBefore = agent.pool().handshakeFailures();
        p.sendRaw(bytes);
        assertTrue(p.awaitClosed(WAIT), "the agent kept the connection open after " + what);
        Await.until(WAIT, () -> agent.pool().protocolViolations() == before + 1,
                () -> what + ": protocol violations " + agent.pool().protocolViolations() + ", expected " + (before + 1));
        assertEquals(failuresBefore, agent.pool().handshakeFailures(), what + " was taken for a handshake failure");
        Await.until(WAIT, () -> !agent.pool().isConnected(three), "127.0.0.3 disconnected");
    }

    /**
     * The agent is still healthy: 127.0.0.3 can connect again and its PAYLOAD gets
     * through, as the next one delivered: the agent's one I/O thread reads it after
     * everything of the connections before.
     */
    private void assertStillServing() throws IOException, InterruptedException {
        RawPeer again = handshaken();
        again.send(new Message.Payload("check", new byte[] {42}));
        Received r = payloads.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(r, "PAYLOAD on a fresh connection not delivered");
        assertEquals("check", r.topic(), "the next PAYLOAD delivered");
    }

    /**
     * {@code p}'s connection is open both ways now: a PAYLOAD it sends is delivered as
     * the next one, and a PAYLOAD the agent sends it is the next frame it reads (not
     * GOODBYE, not end of stream). Both travel behind whatever the agent did with the
     * frames {@code p} sent before, so this is the marker after which nothing of theirs
     * can still come.
     */
    private void assertOpenBothWays(RawPeer p) throws Exception {
        p.send(new Message.Payload("marker", new byte[] {1}));
        Received r = payloads.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(r, "the marker PAYLOAD was not delivered");
        assertEquals("marker", r.topic(), "the next PAYLOAD delivered");
        agent.send(three, "back", new byte[] {2}).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        Message m = p.readSkippingAnnouncesAndViews();
        Message.Payload back = assertInstanceOf(Message.Payload.class, m, "the connection was closed");
        assertEquals("back", back.topic());
    }

    // ------------------------------------------------------------------ frame building

    /** A frame body built by hand, big-endian, to say exactly what the bytes are. */
    private static final class Body {
        private final ByteBuffer b = ByteBuffer.allocate(2 * MAX_FRAME);

        static Body type(int type) {
            Body body = new Body();
            body.b.put((byte) type);
            return body;
        }

        Body u8(int v) {
            b.put((byte) v);
            return this;
        }

        Body u16(int v) {
            b.putShort((short) v);
            return this;
        }

        Body u32(long v) {
            b.putInt((int) v);
            return this;
        }

        Body u64(long v) {
            b.putLong(v);
            return this;
        }

        Body raw(byte... bytes) {
            b.put(bytes);
            return this;
        }

        Body str(String s) {
            byte[] x = s.getBytes(StandardCharsets.UTF_8);
            return u16(x.length).raw(x);
        }

        Body bytes(byte[] data) {
            return u32(data.length).raw(data);
        }

        /** length:u32 then the body. */
        byte[] frame() {
            int n = b.position();
            return ByteBuffer.allocate(4 + n).putInt(n).put(b.array(), 0, n).array();
        }
    }

    /** A frame header announcing {@code length} body bytes, with no body. */
    private static byte[] header(long length) {
        return ByteBuffer.allocate(4).putInt((int) length).array();
    }

    private static byte[] frameOf(Message m) {
        var b = MessageCodec.encode(m);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    // ------------------------------------------------------------------ before the handshake

    static Stream<Arguments> beforeHandshake() {
        return Stream.of(
                Arguments.of("frame length 0", header(0)),
                Arguments.of("frame length 4097, header alone", header(4097)),
                Arguments.of("frame length 0x80000000, header alone", header(0x80000000L)),
                Arguments.of("frame length 0xFFFFFFFF, header alone", header(0xFFFFFFFFL)),
                Arguments.of("HANDSHAKE body cut short", Body.type(0x01).u16(0).frame()),
                Arguments.of("HANDSHAKE my_address not UTF-8", Body.type(0x01).u32(1).u16(2).raw((byte) 0xC0, (byte) 0xAF).frame()),
                Arguments.of("HANDSHAKE my_address count past the end", Body.type(0x01).u32(1).u16(40).raw((byte) '1').frame()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("beforeHandshake")
    void violationBeforeTheHandshakeClosesWithoutAck(String what, byte[] bytes) throws Exception {
        startAgents();
        RawPeer p = connect();
        long before = agent.pool().protocolViolations();
        long start = System.nanoTime();
        p.sendRaw(bytes);
        // read() is null only at end of stream: no ACK was sent, and the agent did not wait for more bytes.
        assertNull(p.read(), what + ": the agent answered");
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertTrue(tookMs < HANDSHAKE_TIMEOUT_MS / 2, what + ": closed only after " + tookMs + " ms");
        Await.until(WAIT, () -> agent.pool().protocolViolations() == before + 1,
                () -> what + ": protocol violations " + agent.pool().protocolViolations());
        assertEquals(0, agent.pool().handshakeFailures(), what + ": closed by the handshake timer");
        assertEquals(0, agent.pool().handshakingInbound());
        assertPeerUndisturbed();
        assertStillServing();
    }

    @Test
    void handshakeFrameOfExactly4096BytesIsAcceptedAndItsTrailingBytesIgnored() throws Exception {
        startAgents();
        RawPeer p = connect();
        Body body = Body.type(0x01).u32(1).str(three.toString()).u32(4194304).u32(20000);
        byte[] frame = body.raw(new byte[4096 - (1 + 4 + 2 + three.toString().length() + 8)]).frame();
        assertEquals(4 + 4096, frame.length);
        p.sendRaw(frame);
        Message.HandshakeAck ack = assertInstanceOf(Message.HandshakeAck.class, p.read());
        assertTrue(ack.accepted(), () -> "rejected: " + ack);
        Await.until(WAIT, () -> agent.pool().isConnected(three), "127.0.0.3 connected");
        assertEquals(0, agent.pool().protocolViolations());
        assertPeerUndisturbed();
    }

    // ------------------------------------------------------------------ after the handshake

    static Stream<Arguments> afterHandshake() {
        byte[] data5 = {1, 2, 3, 4, 5};
        return Stream.of(
                Arguments.of("frame length 0", header(0)),
                Arguments.of("frame length max_frame_bytes+1, header alone", header(MAX_FRAME + 1)),
                Arguments.of("frame length 0xFFFFFFFF, header alone", header(0xFFFFFFFFL)),
                Arguments.of("ANNOUNCE cut short", Body.type(0x10).str("127.0.0.3:7100").u64(1).u32(0).frame()),
                Arguments.of("PAYLOAD of the type byte alone", Body.type(0x11).frame()),
                Arguments.of("PAYLOAD without its data count", Body.type(0x11).str("t").u16(0).frame()),
                Arguments.of("GOODBYE with half a count", Body.type(0x03).u8(0).frame()),
                Arguments.of("PAYLOAD topic not UTF-8 (C0 AF)", Body.type(0x11).u16(2).raw((byte) 0xC0, (byte) 0xAF).bytes(data5).frame()),
                Arguments.of("PAYLOAD topic a lone continuation byte", Body.type(0x11).u16(1).raw((byte) 0x80).bytes(data5).frame()),
                Arguments.of("GOODBYE reason a UTF-16 surrogate in UTF-8", Body.type(0x03).u16(3).raw((byte) 0xED, (byte) 0xA0, (byte) 0x80).frame()),
                Arguments.of("PAYLOAD topic count past the end", Body.type(0x11).u16(100).raw((byte) 'a', (byte) 'b', (byte) 'c').frame()),
                Arguments.of("PAYLOAD data count past the end", Body.type(0x11).str("t").u32(1000).raw(data5).frame()),
                Arguments.of("PAYLOAD data count 0xFFFFFFFF", Body.type(0x11).str("t").u32(0xFFFFFFFFL).raw(data5).frame()),
                Arguments.of("VIEW count 65536", Body.type(0x12).u64(1).u32(65536).frame()),
                Arguments.of("VIEW ending before its count", Body.type(0x12).u64(1).u16(0).frame()),
                Arguments.of("VIEW with fewer addresses than its count",
                        Body.type(0x12).u64(1).u32(2).str("127.0.0.1:7100").frame()),
                Arguments.of("HANDSHAKE after the handshake", frameOf(new Message.Handshake(1, "127.0.0.3:7100"))),
                Arguments.of("HANDSHAKE_ACK after the handshake",
                        frameOf(new Message.HandshakeAck(true, "127.0.0.5", "127.0.0.3:7100", ""))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("afterHandshake")
    void violationAfterTheHandshakeClosesAndIsCounted(String what, byte[] bytes) throws Exception {
        startAgents();
        RawPeer p = handshaken();
        long id = agent.pool().snapshot(three).orElseThrow().connectionId();
        assertViolationCloses(p, bytes, what);
        assertTrue(agent.pool().snapshot(three).orElseThrow().connectionId() != id, "the violating connection is still listed");
        assertTrue(payloads.isEmpty(), () -> what + ": something was delivered: " + payloads);
        assertPeerUndisturbed();
        assertStillServing();
    }

    @Test
    void frameOfExactlyMaxFrameBytesIsDeliveredAndOneMoreByteIsAViolation() throws Exception {
        startAgents();
        RawPeer p = handshaken();
        byte[] data = new byte[MAX_FRAME - (1 + 2 + "big".length() + 4)];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) i;
        }
        byte[] frame = frameOf(new Message.Payload("big", data));
        assertEquals(4 + MAX_FRAME, frame.length, "test frame size");
        p.sendRaw(frame);
        Received r = payloads.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(r, "a PAYLOAD of exactly max_frame_bytes was not delivered");
        assertEquals(three, r.from());
        assertEquals("big", r.topic());
        assertArrayEquals(data, r.data());
        assertEquals(0, agent.pool().protocolViolations());

        // One more byte of body is over the limit: closed on the header, without waiting for the body.
        assertViolationCloses(p, header(MAX_FRAME + 1), "frame length max_frame_bytes+1");
        assertPeerUndisturbed();
    }

    @ParameterizedTest
    @ValueSource(ints = {0x00, 0x04, 0x13, 0x7F, 0xFF})
    void unknownTypeAfterTheHandshakeIsCountedAndIgnored(int type) throws Exception {
        startAgents();
        RawPeer p = handshaken();
        long id = agent.pool().snapshot(three).orElseThrow().connectionId();
        long unknownBefore = agent.pool().unknownMessages();
        p.sendRaw(Body.type(type).str("from a newer version").u64(7).frame());
        p.sendRaw(Body.type(type).frame());
        p.send(new Message.Payload("after", new byte[] {9, 8, 7}));
        Received r = payloads.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(r, "the PAYLOAD after unknown frames was not delivered");
        assertEquals("after", r.topic());
        assertArrayEquals(new byte[] {9, 8, 7}, r.data());
        assertOpenBothWays(p);
        assertEquals(unknownBefore + 2, agent.pool().unknownMessages());
        assertEquals(0, agent.pool().protocolViolations());
        assertEquals(id, agent.pool().snapshot(three).orElseThrow().connectionId(), "the connection was replaced");
        assertPeerUndisturbed();
    }

    @Test
    void trailingBytesAfterTheLastFieldAreIgnored() throws Exception {
        startAgents();
        RawPeer p = handshaken();
        long id = agent.pool().snapshot(three).orElseThrow().connectionId();
        p.sendRaw(Body.type(0x11).str("t").bytes(new byte[] {1, 2, 3}).raw(new byte[] {9, 9, 9, 9}).frame());
        p.sendRaw(Body.type(0x10).str(three.toString()).u64(1).u64(System.currentTimeMillis()).u32(0xDEADBEEFL).frame());
        p.sendRaw(Body.type(0x11).str("u").bytes(new byte[0]).u8(1).frame());
        Received first = payloads.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(first, "PAYLOAD with trailing bytes not delivered");
        assertEquals("t", first.topic());
        assertArrayEquals(new byte[] {1, 2, 3}, first.data());
        Received second = payloads.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(second, "second PAYLOAD with trailing bytes not delivered");
        assertEquals("u", second.topic());
        assertArrayEquals(new byte[0], second.data());
        assertEquals(0, agent.pool().protocolViolations());
        assertEquals(id, agent.pool().snapshot(three).orElseThrow().connectionId());
        assertEquals(1, agent.pool().snapshot(three).orElseThrow().lastAnnounceSequence(),
                "ANNOUNCE with trailing bytes not taken");
        assertPeerUndisturbed();
    }

    @Test
    void violationSplitAcrossWritesStillClosesAtOnce() throws Exception {
        startAgents();
        RawPeer p = handshaken();
        byte[] bad = Body.type(0x11).u16(2).raw((byte) 0xC0, (byte) 0xAF).bytes(new byte[] {1}).frame();
        long before = agent.pool().protocolViolations();
        for (byte b : bad) {
            p.sendRaw(new byte[] {b});
        }
        assertTrue(p.awaitClosed(WAIT), "the agent kept the connection after a split bad frame");
        Await.until(WAIT, () -> agent.pool().protocolViolations() == before + 1, "violation counted");
        assertPeerUndisturbed();
    }

    @Test
    void validFramesBeforeAViolationInTheSameWriteAreDeliveredAndNothingAfter() throws Exception {
        startAgents();
        RawPeer p = handshaken();
        byte[] good = frameOf(new Message.Payload("good", new byte[] {1}));
        byte[] bad = header(0);
        byte[] after = frameOf(new Message.Payload("after", new byte[] {2}));
        assertViolationCloses(p, concat(concat(good, bad), after), "a zero-length frame between two payloads");
        Received r = payloads.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(r, "the PAYLOAD before the violation was not delivered");
        assertEquals("good", r.topic());
        // A frame after the violation would come before the next connection's: the marker.
        assertStillServing();
        assertPeerUndisturbed();
    }

    // ------------------------------------------------------------------ the initiator's side

    static Stream<Arguments> firstFrameToTheInitiator() {
        String nine = "127.0.0.9:7100";
        return Stream.of(
                Arguments.of("ACK with accepted=2", Body.type(0x02).u8(2).str("127.0.0.5").str(nine).str("").frame()),
                Arguments.of("ACK with accepted=255", Body.type(0x02).u8(0xFF).str("127.0.0.5").str(nine).str("").frame()),
                Arguments.of("ACK cut short", Body.type(0x02).u8(1).str("127.0.0.5").u8(0).frame()),
                Arguments.of("ACK your_ip not UTF-8", Body.type(0x02).u8(1).u16(1).raw((byte) 0xFF).str(nine).str("").frame()),
                Arguments.of("frame length 0", header(0)),
                Arguments.of("frame length 4097, header alone", header(4097)),
                Arguments.of("PAYLOAD instead of the ACK", frameOf(new Message.Payload("early", new byte[] {1}))),
                Arguments.of("unknown type 0x7F instead of the ACK", Body.type(0x7F).str("x").frame()));
    }

    /** Seen from the initiator, the responder's first frame must be a well-formed ACK. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("firstFrameToTheInitiator")
    void badFirstFrameIsAViolationOnTheInitiator(String what, byte[] bytes) throws Exception {
        try (ServerSocket server = new ServerSocket()) {
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(TestNet.ip(9), port));
            server.setSoTimeout((int) WAIT.toMillis());
            startAgents(nine);
            RawPeer p = RawPeer.accept(server);
            sockets.add(p);
            assertInstanceOf(Message.Handshake.class, p.read(), "the agent's first frame");
            long before = agent.pool().protocolViolations();
            long start = System.nanoTime();
            p.sendRaw(bytes);
            assertTrue(p.awaitClosed(WAIT), "the agent kept a connection answered with " + what);
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(tookMs < HANDSHAKE_TIMEOUT_MS / 2, what + ": closed only after " + tookMs + " ms");
            Await.until(WAIT, () -> agent.pool().protocolViolations() == before + 1,
                    () -> what + ": protocol violations " + agent.pool().protocolViolations());
            assertEquals(0, agent.pool().handshakeFailures(), what + ": closed by the handshake timer");
            assertFalse(agent.pool().isConnected(nine));
            assertTrue(payloads.isEmpty(), () -> "delivered before the handshake: " + payloads);
            assertPeerUndisturbed();
        }
    }
}
