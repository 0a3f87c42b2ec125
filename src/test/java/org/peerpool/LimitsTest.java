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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.peerpool.config.ConfigLoader;
import org.peerpool.config.NodeConfig;
import org.peerpool.testing.Await;
import org.peerpool.testing.Ini;
import org.peerpool.testing.RawPeer;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.Message;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code limits} group of PROTOCOL.md section 3 against a real agent at 127.0.0.5,
 * driven by raw peers: the agent announces its own limits in every ACK and HANDSHAKE,
 * assumes 4,194,304 and its own heartbeat for a peer that omits them, honours a peer's
 * smaller {@code max_frame_bytes} by failing the send locally, never closes as silent
 * before three of the peer's heartbeats, accepts an ACK without the group, and treats a
 * HANDSHAKE that ends inside the group as a violation.
 */
@Timeout(60)
class LimitsTest {

    /** Every wait is for something that must happen; generous, as the machine may be loaded. */
    private static final Duration WAIT = Duration.ofSeconds(15);

    private static final long ASSUMED = 4_194_304;

    private final List<Agent> agents = new ArrayList<>();
    private final List<AutoCloseable> sockets = new ArrayList<>();
    private final BlockingQueue<PeerEvent> events = new LinkedBlockingQueue<>();
    private final BlockingQueue<byte[]> payloads = new LinkedBlockingQueue<>();
    private int port;
    private NodeAddress three;
    private NodeAddress seven;

    @BeforeEach
    void setUp() {
        port = TestNet.freePort(7);
        three = TestNet.address(3, port);
        seven = TestNet.address(7, port);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable s : sockets) {
            s.close();
        }
        agents.forEach(Agent::stop);
    }

    /** 127.0.0.5 listing {@code peers}, reverse dial off. */
    private Agent startAgent(List<NodeAddress> peers, Consumer<NodeConfig.Builder> tweak) throws IOException {
        NodeConfig.Builder b = TestNet.fast(NodeConfig.builder(TestNet.ip(5)).port(port).peers(peers)).reverseDialAfterS(0);
        tweak.accept(b);
        Agent a = Agent.builder(b.build()).ioThreads(1).mbeanServer(null).build();
        agents.add(a);
        a.onPeerEvent(events::add);
        a.onPayload((from, topic, data) -> payloads.add(data));
        a.start();
        return a;
    }

    private RawPeer connect(Agent a) throws IOException {
        RawPeer p = RawPeer.connect(TestNet.ip(3), a.address());
        sockets.add(p);
        return p;
    }

    private RawPeer handshaken(Agent a, Message.Limits limits) throws IOException {
        RawPeer p = connect(a);
        Message.HandshakeAck ack = p.handshakeAs(three, limits);
        assertTrue(ack.accepted(), () -> "rejected: " + ack);
        Await.until(WAIT, () -> a.pool().isConnected(three), "127.0.0.3 connected");
        return p;
    }

    /** Data bytes for a PAYLOAD on {@code topic} whose frame body is exactly {@code body} bytes. */
    private static byte[] dataForBody(String topic, long body) {
        return new byte[(int) (body - 1 - 2 - topic.getBytes(StandardCharsets.UTF_8).length - 4)];
    }

    private static SendFailedException failure(java.util.concurrent.CompletableFuture<Void> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        return assertInstanceOf(SendFailedException.class, e.getCause());
    }

    /** The agent's PAYLOAD on {@code topic} reaches the raw peer with {@code data}. */
    private static void assertReceives(RawPeer p, String topic, byte[] data) throws IOException {
        Message m = p.readSkippingAnnouncesAndViews();
        Message.Payload got = assertInstanceOf(Message.Payload.class, m);
        assertEquals(topic, got.topic());
        assertArrayEquals(data, got.data());
    }

    // ------------------------------------------------------------------ the agent's own limits

    @Test
    void ackCarriesTheAgentsOwnLimitsWhetherOrNotThePeerSentAny() throws Exception {
        Agent a = startAgent(List.of(three), b -> b.maxFrameBytes(1_048_576).maxPendingBytes(4_000_000).heartbeatIntervalS(7));
        Message.Limits own = new Message.Limits(1_048_576, 7000);

        RawPeer without = connect(a);
        assertEquals(own, without.handshakeAs(three).limits(), "ACK to a peer that omitted limits");
        without.close();
        Await.until(WAIT, () -> !a.pool().isConnected(three), "first raw connection gone");

        RawPeer with = connect(a);
        assertEquals(own, with.handshakeAs(three, new Message.Limits(8192, 500)).limits(), "ACK to a peer that sent limits");

        // A rejection carries them too (unknown peer 127.0.0.4).
        RawPeer stranger = RawPeer.connect(TestNet.ip(4), a.address());
        sockets.add(stranger);
        Message.HandshakeAck no = stranger.handshakeAs(TestNet.address(4, port));
        assertFalse(no.accepted());
        assertEquals(own, no.limits(), "rejecting ACK");
    }

    @Test
    void newDefaultsAreTwentySecondHeartbeatsAndSixtySecondIdle() {
        NodeConfig c = NodeConfig.builder(TestNet.ip(5)).build();
        assertEquals(20, c.heartbeatIntervalS(), "default heartbeat_interval_s");
        assertEquals(60, c.idleTimeoutS(), "default idle_timeout_s");
    }

    @Test
    void aFileWithoutTheKeysGetsTheNewDefaults() throws Exception {
        NodeAddress self = TestNet.address(5, port);
        NodeConfig c = ConfigLoader.parse(Ini.text(self, List.of(three)), "peerpool.ini");
        assertEquals(20, c.heartbeatIntervalS(), "heartbeat_interval_s of a file that omits it");
        assertEquals(60, c.idleTimeoutS(), "idle_timeout_s of a file that omits it");
    }

    @Test
    void defaultAckAnnouncesTheDefaultFrameLimitAndHeartbeat() throws Exception {
        Agent a = startAgent(List.of(three), b -> { });
        NodeConfig c = a.pool().config();
        Message.HandshakeAck ack = connect(a).handshakeAs(three);
        assertEquals(new Message.Limits(c.maxFrameBytes(), c.heartbeatIntervalS() * 1000L), ack.limits());
        assertEquals(ASSUMED, ack.limits().maxFrameBytes());
    }

    // ------------------------------------------------------------------ peer without limits

    @Test
    void aPeerWithoutLimitsGetsFramesUpToTheAssumedLimitAndNoBigger() throws Exception {
        Agent a = startAgent(List.of(three), b -> { });
        RawPeer p = handshaken(a, null);
        long id = a.pool().snapshot(three).orElseThrow().connectionId();
        p.socket().setSoTimeout(20_000);

        byte[] edge = dataForBody("edge", ASSUMED);
        edge[edge.length - 1] = 7;
        // The frame is bigger than the socket buffers: read it before waiting for its future.
        var sent = a.send(three, "edge", edge);
        assertReceives(p, "edge", edge);
        sent.get(WAIT.toSeconds(), TimeUnit.SECONDS);

        SendFailedException e = failure(a.send(three, "over", dataForBody("over", ASSUMED + 1)));
        assertTrue(e.getMessage().contains("max_frame_bytes") && e.getMessage().contains("4194304"), e.getMessage());

        byte[] small = {1, 2, 3};
        a.send(three, "small", small).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertReceives(p, "small", small);
        assertEquals(id, a.pool().snapshot(three).orElseThrow().connectionId(), "the connection was replaced");
    }

    @Test
    void aSilentPeerWithoutLimitsIsNotClosedBeforeThreeOfTheAgentsOwnHeartbeats() throws Exception {
        // idle_timeout_s 1 alone would close after 1 s; three own heartbeats of 1 s are the floor.
        Agent a = startAgent(List.of(three), b -> b.heartbeatIntervalS(1).idleTimeoutS(1));
        RawPeer p = connect(a);
        long sentAt = System.nanoTime();
        assertTrue(p.handshakeAs(three).accepted());
        assertSilentCloseAfter(a, p, sentAt, 3000);
    }

    @Test
    void aSilentPeerIsNotClosedBeforeThreeOfItsOwnHeartbeats() throws Exception {
        Agent a = startAgent(List.of(three), b -> b.heartbeatIntervalS(1).idleTimeoutS(1));
        RawPeer p = connect(a);
        long sentAt = System.nanoTime();
        assertTrue(p.handshakeAs(three, new Message.Limits(ASSUMED, 2000)).accepted());
        assertSilentCloseAfter(a, p, sentAt, 6000);
    }

    /**
     * The agent closes the silent raw peer as idle, but not before {@code floorMs} after
     * the HANDSHAKE was sent (the last byte the agent read).
     */
    private void assertSilentCloseAfter(Agent a, RawPeer p, long sentAt, long floorMs) throws IOException {
        // Measured from before the HANDSHAKE, so a late thread here can only see less of the floor, never a
        // close inside it that did not happen there.
        long waitMs = floorMs - 200 - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sentAt);
        assertFalse(p.awaitClosed(Duration.ofMillis(waitMs)), "closed as silent before " + floorMs + " ms");
        boolean connected = a.pool().isConnected(three);
        if (TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sentAt) < floorMs) {
            assertTrue(connected, "dropped before " + floorMs + " ms");
        }
        assertTrue(p.awaitClosed(Duration.ofMillis(floorMs).plus(WAIT)), "a silent peer was never closed");
        long closedAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sentAt);
        assertTrue(closedAfter >= floorMs - 100, "closed after " + closedAfter + " ms, floor " + floorMs);
        PeerEvent down = awaitEvent(PeerEvent.Kind.DISCONNECTED);
        assertTrue(down.reason().contains("idle"), () -> "closed for another reason: " + down.reason());
    }

    private PeerEvent awaitEvent(PeerEvent.Kind kind) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            PeerEvent e;
            try {
                e = events.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                break;
            }
            if (e != null && e.kind() == kind && e.peer().equals(three)) {
                return e;
            }
        }
        throw new AssertionError("no " + kind + " event for " + three);
    }

    // ------------------------------------------------------------------ peer with a small limit

    @Test
    void aPeersSmallMaxFrameBytesIsHonouredLocally() throws Exception {
        Agent a = startAgent(List.of(three), b -> { });
        RawPeer p = handshaken(a, new Message.Limits(4096, 20_000));
        long id = a.pool().snapshot(three).orElseThrow().connectionId();

        SendFailedException e = failure(a.send(three, "over", dataForBody("over", 4097)));
        assertTrue(e.getMessage().contains("max_frame_bytes") && e.getMessage().contains("4096"), e.getMessage());
        assertEquals(three, e.peer());

        byte[] edge = dataForBody("edge", 4096);
        Arrays.fill(edge, (byte) 5);
        a.send(three, "edge", edge).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertReceives(p, "edge", edge);
        assertEquals(id, a.pool().snapshot(three).orElseThrow().connectionId(), "the connection was replaced");
        assertEquals(0, a.pool().protocolViolations());
    }

    // ------------------------------------------------------------------ raw peer as responder

    @Test
    void anAckWithoutLimitsIsAcceptedAndTheAssumedLimitApplies() throws Exception {
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(TestNet.ip(7), port));
        server.setSoTimeout(10_000);
        sockets.add(server);
        Agent a = startAgent(List.of(seven), b -> b.maxFrameBytes(65536).heartbeatIntervalS(9));

        RawPeer p = RawPeer.accept(server);
        sockets.add(p);
        Message.Handshake h = assertInstanceOf(Message.Handshake.class, p.read());
        assertEquals(a.address().toString(), h.myAddress());
        assertEquals(new Message.Limits(65536, 9000), h.limits(), "the agent's HANDSHAKE carries its limits");
        p.send(new Message.HandshakeAck(true, "127.0.0.5", seven.toString(), ""));
        Await.until(WAIT, () -> a.pool().isConnected(seven), "the agent took an ACK without limits");

        byte[] hello = "hello".getBytes(StandardCharsets.UTF_8);
        a.send(seven, "t", hello).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertReceives(p, "t", hello);
        p.send(new Message.Payload("back", new byte[] {9}));
        byte[] back = payloads.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertNotNull(back, "the raw responder's PAYLOAD was not delivered");
        assertArrayEquals(new byte[] {9}, back);

        SendFailedException e = failure(a.send(seven, "over", dataForBody("over", ASSUMED + 1)));
        assertTrue(e.getMessage().contains("4194304"), e.getMessage());
        assertTrue(a.pool().isConnected(seven));
    }

    // ------------------------------------------------------------------ malformed group on the socket

    @ParameterizedTest
    @ValueSource(ints = {1, 4, 7})
    void aHandshakeEndingInsideTheLimitsGroupIsAViolation(int present) throws Exception {
        assertHandshakeViolation(Arrays.copyOf(limits(65536, 20_000), present));
    }

    @Test
    void aHandshakeAnnouncingTooSmallLimitsIsAViolation() throws Exception {
        assertHandshakeViolation(limits(4095, 20_000));
    }

    @Test
    void aHandshakeAnnouncingTooFastHeartbeatsIsAViolation() throws Exception {
        assertHandshakeViolation(limits(65536, 99));
    }

    private void assertHandshakeViolation(byte[] group) throws Exception {
        Agent a = startAgent(List.of(three), b -> b.handshakeTimeoutMs(10_000));
        long before = a.pool().protocolViolations();
        RawPeer p = connect(a);
        p.sendRaw(frame(handshakeBody(three.toString(), group)));
        Message reply = p.read();
        if (reply instanceof Message.HandshakeAck ack) {
            assertFalse(ack.accepted(), "a HANDSHAKE with a broken limits group was accepted");
        }
        assertTrue(p.awaitClosed(WAIT), "the agent kept the connection open");
        Await.until(WAIT, () -> a.pool().protocolViolations() == before + 1,
                () -> "protocol violations " + a.pool().protocolViolations() + ", expected " + (before + 1));
        assertFalse(a.pool().isConnected(three));
        Await.until(WAIT, () -> a.pool().handshakingInbound() == 0, "the connection is still tracked");

        // The same peer with a sound group is still welcome.
        handshaken(a, new Message.Limits(65536, 20_000));
    }

    private static byte[] limits(long maxFrameBytes, long heartbeatMs) {
        return ByteBuffer.allocate(8).putInt((int) maxFrameBytes).putInt((int) heartbeatMs).array();
    }

    private static byte[] handshakeBody(String me, byte[] tail) {
        byte[] addr = me.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + 4 + 2 + addr.length + tail.length)
                .put((byte) Message.TYPE_HANDSHAKE).putInt(1).putShort((short) addr.length).put(addr).put(tail)
                .array();
    }

    private static byte[] frame(byte[] body) {
        return ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).array();
    }
}
