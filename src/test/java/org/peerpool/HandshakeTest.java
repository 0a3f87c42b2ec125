package org.peerpool;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.peerpool.PeerEvent.Direction;
import org.peerpool.config.NodeConfig;
import org.peerpool.PeerSnapshot;
import org.peerpool.PeerState;
import org.peerpool.testing.Await;
import org.peerpool.testing.RawPeer;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.Message;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PROTOCOL.md section 4 against a real agent at 127.0.0.5, driven by hand-made peers
 * bound to chosen loopback sources: every rejection reason and its precedence, the
 * ACK's fields, the first-frame and timeout rules, and the initiator's side of the
 * handshake (its HANDSHAKE, the ACKs it refuses, its retries).
 */
@Timeout(60)
class HandshakeTest {

    /** Every wait is for something that must happen; generous, as the machine may be loaded. */
    private static final Duration WAIT = Duration.ofSeconds(15);
    /** The agent's handshake_timeout_ms: far past {@link #WAIT}, so no handshake races the timer. */
    private static final int TIMEOUT_MS = 120_000;
    /** For the tests of the timer itself, where nothing else has to beat it. */
    private static final int SHORT_TIMEOUT_MS = 500;
    /**
     * For a test that needs the timer to have run, but a handshake to beat it first:
     * a machine stalled that long fails the handshake, not the assertion after it.
     */
    private static final int MARKER_TIMEOUT_MS = 10_000;

    private final List<Agent> agents = new ArrayList<>();
    private final List<AutoCloseable> sockets = new ArrayList<>();
    private final BlockingQueue<String> payloadTopics = new LinkedBlockingQueue<>();
    private int port;
    private NodeAddress self;
    private NodeAddress lower;
    private NodeAddress higher;

    @BeforeEach
    void setUp() {
        port = TestNet.freePort(9);
        self = TestNet.address(5, port);
        lower = TestNet.address(3, port);
        higher = TestNet.address(7, port);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable s : sockets) {
            s.close();
        }
        agents.forEach(Agent::stop);
    }

    /**
     * The agent under test: 127.0.0.5 listing 127.0.0.3 (lower) and 127.0.0.7 (higher),
     * on one I/O thread (it reads every socket in turn) and one timer thread (as every agent).
     */
    private Agent startAgent(Consumer<NodeConfig.Builder> tweak) throws IOException {
        NodeConfig.Builder b = TestNet.fast(NodeConfig.builder(TestNet.ip(5)).port(port).peers(List.of(lower, higher)))
                .handshakeTimeoutMs(TIMEOUT_MS)
                .reverseDialAfterS(0);
        tweak.accept(b);
        return start(b.build());
    }

    private Agent startAgent() throws IOException {
        return startAgent(b -> { });
    }

    private Agent start(NodeConfig config) throws IOException {
        Agent a = Agent.builder(config).ioThreads(1).build();
        agents.add(a);
        a.onPayload((from, topic, data) -> payloadTopics.add(from + " " + topic));
        a.start();
        return a;
    }

    /**
     * {@code p}, connected as {@code as}, is open both ways now: a PAYLOAD it sends is the
     * next one delivered, and a PAYLOAD the agent sends it is the next frame it reads
     * (not GOODBYE, not end of stream). Both travel behind whatever the agent did before,
     * so this is the marker after which a close already decided cannot still come.
     */
    private void assertOpenBothWays(Agent agent, RawPeer p, NodeAddress as) throws Exception {
        p.send(new Message.Payload("marker", new byte[] {1}));
        assertEquals(as + " marker", payloadTopics.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS),
                "the next PAYLOAD delivered");
        agent.send(as, "back", new byte[] {2}).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        Message m = p.readSkippingAnnouncesAndViews();
        assertEquals("back", assertInstanceOf(Message.Payload.class, m, "the connection was closed").topic());
    }

    private RawPeer connect(int source) throws IOException {
        RawPeer p = RawPeer.connect(TestNet.ip(source), self);
        sockets.add(p);
        return p;
    }

    private ServerSocket listen(int host) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(TestNet.ip(host), port));
        s.setSoTimeout((int) WAIT.toMillis());
        sockets.add(s);
        return s;
    }

    private RawPeer accept(ServerSocket server) throws IOException {
        RawPeer p = RawPeer.accept(server);
        sockets.add(p);
        return p;
    }

    private static String ipText(int i) {
        return "127.0.0." + i;
    }

    // ------------------------------------------------------------------ rejections

    /**
     * Sends {@code h} from 127.0.0.{@code source} and checks the whole rejection: an ACK
     * with accepted=0, the reason's leading words, your_ip and my_address, then the
     * close, and one more handshake failure counted.
     */
    private Message.HandshakeAck assertRejected(Agent agent, int source, Message.Handshake h, String reasonWords)
            throws IOException {
        long failuresBefore = agent.pool().handshakeFailures();
        RawPeer p = connect(source);
        p.send(h);
        Message m = p.read();
        Message.HandshakeAck ack = assertInstanceOf(Message.HandshakeAck.class, m, "reply to " + h);
        assertFalse(ack.accepted(), () -> "accepted " + h + ": " + ack);
        assertStartsWithWords(reasonWords, ack.reason());
        assertEquals(ipText(source), ack.yourIp(), "your_ip");
        assertEquals(agent.address().toString(), ack.myAddress(), "my_address");
        assertTrue(p.awaitClosed(WAIT), "agent kept the socket open after rejecting " + h);
        Await.until(WAIT, () -> agent.pool().handshakeFailures() == failuresBefore + 1,
                () -> "handshake failures " + agent.pool().handshakeFailures() + ", expected " + (failuresBefore + 1));
        assertEquals(0, agent.pool().handshakingInbound(), "the rejected connection is still tracked");
        return ack;
    }

    /** {@code reason} begins with exactly {@code words}, as whole words. */
    private static void assertStartsWithWords(String words, String reason) {
        boolean ok = reason.startsWith(words)
                && (reason.length() == words.length() || !Character.isLetterOrDigit(reason.charAt(words.length())));
        assertTrue(ok, () -> "reason '" + reason + "' does not start with '" + words + "'");
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 2, 0x7FFFFFFFL, 0xFFFFFFFFL})
    void rejectsUnsupportedProtocolVersion(long version) throws Exception {
        Agent agent = startAgent();
        assertRejected(agent, 3, new Message.Handshake(version, lower.toString()), "unsupported protocol version");
    }

    @Test
    void versionIsCheckedBeforeTheAddress() throws Exception {
        Agent agent = startAgent();
        assertRejected(agent, 4, new Message.Handshake(2, "not an address"), "unsupported protocol version");
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.4", "127.0.0.4:0", "127.0.0.4:65536", "127.0.0.4:port", "localhost:7100",
            "127.0.0.256:7100", "127.0.4:7100", "[127.0.0.4]:7100", "::ffff:127.0.0.4:7100", ""})
    void rejectsBadAddressEvenFromAnUnlistedSource(String claimed) throws Exception {
        Agent agent = startAgent();
        assertRejected(agent, 4, new Message.Handshake(1, claimed), "bad address");
    }

    @Test
    void rejectsAddressMismatch() throws Exception {
        Agent agent = startAgent();
        // A listed address claimed from another source.
        assertRejected(agent, 4, new Message.Handshake(1, lower.toString()), "address mismatch");
    }

    @Test
    void mismatchComesBeforeUnknownPeerAndSelfConnection() throws Exception {
        Agent agent = startAgent();
        assertRejected(agent, 3, new Message.Handshake(1, TestNet.address(4, port).toString()), "address mismatch");
        assertRejected(agent, 3, new Message.Handshake(1, self.toString()), "address mismatch");
        assertRejected(agent, 5, new Message.Handshake(1, lower.toString()), "address mismatch");
    }

    @Test
    void rejectsSelfConnection() throws Exception {
        Agent agent = startAgent();
        // This node's own address is also unknown (not in its peer list): self connection comes first.
        assertRejected(agent, 5, new Message.Handshake(1, self.toString()), "self connection");
        // The same address written as IPv4-mapped IPv6 is the same address (section 1).
        assertRejected(agent, 5, new Message.Handshake(1, "[::ffff:127.0.0.5]:" + port), "self connection");
        assertEquals(List.of(), agent.pool().connectedPeers());
    }

    @Test
    void rejectsUnknownPeer() throws Exception {
        Agent agent = startAgent();
        // Lower, unlisted.
        assertRejected(agent, 4, new Message.Handshake(1, TestNet.address(4, port).toString()), "unknown peer");
        // A listed IP with another port is another address.
        assertRejected(agent, 3, new Message.Handshake(1, TestNet.address(3, port + 1).toString()), "unknown peer");
        // Higher, unlisted: also unknown (not a legitimate reverse dial).
        assertRejected(agent, 8, new Message.Handshake(1, TestNet.address(8, port).toString()), "unknown peer");
        assertEquals(List.of(), agent.pool().connectedPeers());
        assertTrue(agent.pool().snapshot(TestNet.address(4, port)).isEmpty(), "rejected peer left an entry");
    }

    @Test
    void rejectsWrongDirectionAndKeepsTheCanonicalConnection() throws Exception {
        Agent seven = start(TestNet.fast(NodeConfig.builder(TestNet.ip(7)).port(port).peers(List.of(self)))
                .handshakeTimeoutMs(TIMEOUT_MS).build());
        Agent agent = startAgent();
        Await.until(WAIT, () -> agent.pool().isConnected(higher) && seven.pool().isConnected(self),
                "127.0.0.5 and 127.0.0.7 connected");
        long idHere = agent.pool().snapshot(higher).orElseThrow().connectionId();
        long idThere = seven.pool().snapshot(self).orElseThrow().connectionId();
        assertEquals(Direction.OUTBOUND, agent.pool().snapshot(higher).orElseThrow().direction());

        assertRejected(agent, 7, new Message.Handshake(1, higher.toString()), "wrong direction");

        PeerSnapshot after = agent.pool().snapshot(higher).orElseThrow();
        assertEquals(PeerState.CONNECTED, after.state());
        assertEquals(idHere, after.connectionId(), "the canonical connection was replaced");
        assertEquals(idThere, seven.pool().snapshot(self).orElseThrow().connectionId(), "the peer's side changed");
        assertEquals(0, agent.pool().superseded());
        assertEquals(0, seven.pool().superseded());
    }

    @Test
    void acceptUnknownPeersAdmitsAnUnlistedLowerAddressOnly() throws Exception {
        Agent agent = startAgent(b -> b.acceptUnknownPeers(true));
        NodeAddress four = TestNet.address(4, port);
        RawPeer p = connect(4);
        Message.HandshakeAck ack = p.handshakeAs(four);
        assertTrue(ack.accepted(), () -> "unlisted lower peer rejected: " + ack);
        assertEquals("", ack.reason());
        assertEquals(ipText(4), ack.yourIp());
        assertEquals(self.toString(), ack.myAddress());
        Await.until(WAIT, () -> agent.pool().isConnected(four), "unlisted 127.0.0.4 connected");
        PeerSnapshot s = agent.pool().snapshot(four).orElseThrow();
        assertEquals(PeerState.CONNECTED, s.state());
        assertEquals(Direction.INBOUND, s.direction());
        assertFalse(s.configured());

        // A reverse dial from an unlisted address stays unknown (section 6).
        assertRejected(agent, 8, new Message.Handshake(1, TestNet.address(8, port).toString()), "unknown peer");
        assertTrue(agent.pool().isConnected(four), "the admitted peer was disturbed");
    }

    // ------------------------------------------------------------------ acceptance

    @Test
    void acceptsTheLowerConfiguredPeer() throws Exception {
        Agent agent = startAgent(b -> b.handshakeTimeoutMs(MARKER_TIMEOUT_MS));
        RawPeer p = connect(3);
        Message.HandshakeAck ack = p.handshakeAs(lower);
        assertTrue(ack.accepted(), () -> "rejected: " + ack);
        assertEquals("", ack.reason());
        assertEquals(ipText(3), ack.yourIp());
        assertEquals(self.toString(), ack.myAddress());
        Await.until(WAIT, () -> agent.pool().isConnected(lower), "127.0.0.3 connected");
        PeerSnapshot s = agent.pool().snapshot(lower).orElseThrow();
        assertEquals(PeerState.CONNECTED, s.state());
        assertEquals(Direction.INBOUND, s.direction());
        assertFalse(s.reverse());
        assertTrue(s.configured());
        assertEquals(p.socket().getLocalSocketAddress().toString(), s.remoteSocket(), "the pool holds this very socket");
        assertEquals(0, agent.pool().handshakeFailures());
        // Past its handshake timeout the connection is still up. The marker: a silent connection opened now is
        // closed by its own handshake timer, with the same delay but armed later, so the agent's one timer
        // thread has run whatever was still armed for this connection before it.
        RawPeer silent = connect(4);
        assertTrue(silent.awaitClosed(WAIT), "a silent connection was not closed at its handshake timeout");
        Await.until(WAIT, () -> agent.pool().handshakeFailures() >= 1, "the silent connection's timeout counted");
        assertOpenBothWays(agent, p, lower);
        assertEquals(s.connectionId(), agent.pool().snapshot(lower).orElseThrow().connectionId());
        assertEquals(1, agent.pool().handshakeFailures(), "only the silent connection failed its handshake");
    }

    @Test
    void higherConfiguredPeerMayReverseDialOnlyWhileNotConnected() throws Exception {
        Agent agent = startAgent();
        // Nothing listens on 127.0.0.7, so the agent holds no connection with it: a reverse dial is accepted.
        RawPeer p = connect(7);
        Message.HandshakeAck ack = p.handshakeAs(higher);
        assertTrue(ack.accepted(), () -> "reverse dial rejected: " + ack);
        Await.until(WAIT, () -> agent.pool().isConnected(higher), "127.0.0.7 connected in reverse");
        PeerSnapshot s = agent.pool().snapshot(higher).orElseThrow();
        assertEquals(Direction.INBOUND, s.direction());
        assertTrue(s.reverse());

        // While that reverse connection is up, a second reverse dial is the wrong direction and changes nothing.
        assertRejected(agent, 7, new Message.Handshake(1, higher.toString()), "wrong direction");
        // The rejected connection is closed and counted: what the agent did about it is done, and a close of
        // the first one it decided on the way would come before the marker.
        assertOpenBothWays(agent, p, higher);
        assertEquals(s.connectionId(), agent.pool().snapshot(higher).orElseThrow().connectionId());
        assertEquals(0, agent.pool().superseded());
    }

    // ------------------------------------------------------------------ first frame and timeout

    @ParameterizedTest
    @ValueSource(strings = {"PAYLOAD", "GOODBYE", "ANNOUNCE", "HANDSHAKE_ACK", "UNKNOWN_7F"})
    void nonHandshakeFirstFrameIsClosedWithoutAck(String kind) throws Exception {
        Agent agent = startAgent();
        RawPeer p = connect(3);
        switch (kind) {
            case "PAYLOAD" -> p.send(new Message.Payload("tx", new byte[] {1, 2, 3}));
            case "GOODBYE" -> p.send(new Message.Goodbye("bye"));
            case "ANNOUNCE" -> p.send(new Message.Announce(lower.toString(), 1, System.currentTimeMillis()));
            case "HANDSHAKE_ACK" -> p.send(new Message.HandshakeAck(true, ipText(5), lower.toString(), ""));
            case "UNKNOWN_7F" -> p.sendRaw(ByteBuffer.allocate(4 + 6).putInt(6).put((byte) 0x7F)
                    .put("hello".getBytes(StandardCharsets.US_ASCII)).array());
            default -> throw new IllegalArgumentException(kind);
        }
        long start = System.nanoTime();
        // read() is null only at end of stream: no ACK nor any other frame came first.
        assertNull(p.read(), "the agent answered a " + kind + " first frame");
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertTrue(tookMs < TIMEOUT_MS / 2, "closed only after " + tookMs + " ms, by the handshake timeout, not at once");
        Await.until(WAIT, () -> agent.pool().protocolViolations() == 1, "the first frame counted as a violation");
        assertEquals(0, agent.pool().handshakeFailures(), "closed by the handshake timer");
        assertFalse(agent.pool().isConnected(lower));
        assertEquals(0, agent.pool().handshakingInbound());
    }

    /*
     * The timer tests below take the start before the connection exists, so the agent's
     * timer starts after it: the time measured is never shorter than the timeout, however
     * late this thread runs, and no assertion waits for a close not to happen.
     */

    @Test
    void silentConnectionIsClosedAtTheHandshakeTimeout() throws Exception {
        Agent agent = startAgent(b -> b.handshakeTimeoutMs(SHORT_TIMEOUT_MS));
        long start = System.nanoTime();
        RawPeer p = connect(3);
        assertTrue(p.awaitClosed(WAIT), "still open well after handshake_timeout_ms");
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertTrue(tookMs >= SHORT_TIMEOUT_MS, "closed after " + tookMs + " ms, before handshake_timeout_ms");
        Await.until(WAIT, () -> agent.pool().handshakeFailures() == 1, "the timeout counted as a handshake failure");
        assertEquals(0, agent.pool().handshakingInbound());
        assertFalse(agent.pool().isConnected(lower));
    }

    @Test
    void partialHandshakeIsClosedAtTheHandshakeTimeout() throws Exception {
        Agent agent = startAgent(b -> b.handshakeTimeoutMs(SHORT_TIMEOUT_MS));
        byte[] whole = frameOf(new Message.Handshake(1, lower.toString()));
        long start = System.nanoTime();
        RawPeer p = connect(3);
        p.sendRaw(new byte[] {whole[0], whole[1], whole[2]});
        assertTrue(p.awaitClosed(WAIT), "still open well after handshake_timeout_ms");
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertTrue(tookMs >= SHORT_TIMEOUT_MS, "closed after " + tookMs + " ms, before handshake_timeout_ms");
        Await.until(WAIT, () -> agent.pool().handshakeFailures() == 1, "the timeout counted as a handshake failure");
        assertEquals(0, agent.pool().protocolViolations(), "half a header is no violation");
        assertFalse(agent.pool().isConnected(lower));
    }

    @Test
    void handshakeCompletedInPiecesBeforeTheTimeoutIsAccepted() throws Exception {
        Agent agent = startAgent();
        byte[] whole = frameOf(new Message.Handshake(1, lower.toString()));
        RawPeer p = connect(3);
        for (byte b : whole) {
            p.sendRaw(new byte[] {b});
        }
        Message.HandshakeAck ack = assertInstanceOf(Message.HandshakeAck.class, p.read());
        assertTrue(ack.accepted(), () -> "rejected: " + ack);
        Await.until(WAIT, () -> agent.pool().isConnected(lower), "127.0.0.3 connected");
    }

    private static byte[] frameOf(Message m) {
        var b = org.peerpool.wire.MessageCodec.encode(m);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    // ------------------------------------------------------------------ the initiator's side

    /** Accepts the agent's next dial and checks its HANDSHAKE. */
    private RawPeer acceptDial(ServerSocket server) throws IOException {
        RawPeer p = accept(server);
        assertEquals(TestNet.ip(5), p.socket().getInetAddress(), "the agent dials from its local_ip");
        Message m = p.read();
        Message.Handshake h = assertInstanceOf(Message.Handshake.class, m, "the agent's first frame");
        assertEquals(1, h.protocolVersion());
        assertEquals(self.toString(), h.myAddress());
        assertEquals("127.0.0.5:" + port, h.myAddress());
        return p;
    }

    private Agent startInitiator(NodeAddress peer, int handshakeTimeoutMs) throws IOException {
        return startAgent(b -> b.peers(List.of(peer)).reconnectMinMs(300).reconnectMaxMs(2000)
                .handshakeTimeoutMs(handshakeTimeoutMs));
    }

    @Test
    void initiatorClosesOnUnexpectedPeerAndRetriesWithBackoff() throws Exception {
        NodeAddress nine = TestNet.address(9, port);
        ServerSocket server = listen(9);
        Agent agent = startInitiator(nine, TIMEOUT_MS);

        RawPeer first = acceptDial(server);
        // Taken before the answer that makes the agent close: its backoff starts after this, however late
        // this thread runs, so the gap measured is never shorter than the agent's.
        long closedAt = System.nanoTime();
        first.send(new Message.HandshakeAck(true, ipText(5), TestNet.address(8, port).toString(), ""));
        assertTrue(first.awaitClosed(WAIT), "the agent kept a connection answered by another address");
        Await.until(WAIT, () -> agent.pool().handshakeFailures() == 1,
                () -> "handshake failures " + agent.pool().handshakeFailures());
        assertFalse(agent.pool().isConnected(nine));

        // An unparsable my_address is just as unexpected.
        RawPeer second = acceptDial(server);
        long gapMs = (System.nanoTime() - closedAt) / 1_000_000;
        assertTrue(gapMs >= 250, "redialed after " + gapMs + " ms, without backoff");
        second.send(new Message.HandshakeAck(true, ipText(5), "garbage", ""));
        assertTrue(second.awaitClosed(WAIT), "the agent kept a connection answered by 'garbage'");
        Await.until(WAIT, () -> agent.pool().handshakeFailures() == 2,
                () -> "handshake failures " + agent.pool().handshakeFailures());

        // The right answer on the next retry connects.
        RawPeer third = acceptDial(server);
        third.send(new Message.HandshakeAck(true, ipText(5), nine.toString(), ""));
        Await.until(WAIT, () -> agent.pool().isConnected(nine), "connected on the third dial");
        PeerSnapshot s = agent.pool().snapshot(nine).orElseThrow();
        assertEquals(Direction.OUTBOUND, s.direction());
        assertEquals(ipText(5), s.observedIp());
        assertEquals(0, s.failedAttempts(), "a successful handshake resets the backoff");
    }

    @Test
    void initiatorClosesOnRejectionAndRetries() throws Exception {
        NodeAddress nine = TestNet.address(9, port);
        ServerSocket server = listen(9);
        Agent agent = startInitiator(nine, TIMEOUT_MS);

        RawPeer first = acceptDial(server);
        first.send(new Message.HandshakeAck(false, ipText(5), nine.toString(), "unknown peer: go away"));
        assertTrue(first.awaitClosed(WAIT), "the agent kept a rejected connection");
        Await.until(WAIT, () -> agent.pool().handshakeFailures() == 1,
                () -> "handshake failures " + agent.pool().handshakeFailures());
        assertFalse(agent.pool().isConnected(nine));
        Await.until(WAIT, () -> agent.pool().snapshot(nine).orElseThrow().failedAttempts() == 1,
                "the rejection counted as a failed attempt");

        RawPeer second = acceptDial(server);
        second.send(new Message.HandshakeAck(false, ipText(5), nine.toString(), "unknown peer: still no"));
        assertTrue(second.awaitClosed(WAIT), "the agent kept a rejected connection");
        Await.until(WAIT, () -> agent.pool().handshakeFailures() == 2,
                () -> "handshake failures " + agent.pool().handshakeFailures());

        acceptDial(server);
    }

    @Test
    void initiatorClosesWhenNoAckArrivesWithinTheTimeout() throws Exception {
        NodeAddress nine = TestNet.address(9, port);
        ServerSocket server = listen(9);
        // Taken before the agent exists, so before its dial and the timer that dial starts.
        long start = System.nanoTime();
        Agent agent = startInitiator(nine, SHORT_TIMEOUT_MS);

        RawPeer first = acceptDial(server);
        assertTrue(first.awaitClosed(WAIT), "still open well after handshake_timeout_ms");
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertTrue(tookMs >= SHORT_TIMEOUT_MS, "closed after " + tookMs + " ms, before handshake_timeout_ms");
        Await.until(WAIT, () -> agent.pool().handshakeFailures() == 1,
                () -> "handshake failures " + agent.pool().handshakeFailures());
        String why = agent.pool().snapshot(nine).orElseThrow().lastError();
        assertTrue(why.startsWith("handshake timeout"), "closed for another reason: " + why);
        assertFalse(agent.pool().isConnected(nine));
        // And it tries again.
        acceptDial(server);
    }

    @Test
    void initiatorAcceptsTheSameAddressWrittenAsMappedIpv6() throws Exception {
        NodeAddress nine = TestNet.address(9, port);
        ServerSocket server = listen(9);
        Agent agent = startInitiator(nine, TIMEOUT_MS);
        RawPeer p = acceptDial(server);
        p.send(new Message.HandshakeAck(true, ipText(5), "[::ffff:127.0.0.9]:" + port, ""));
        Await.until(WAIT, () -> agent.pool().isConnected(nine), "connected");
        assertEquals(0, agent.pool().handshakeFailures());
    }
}
