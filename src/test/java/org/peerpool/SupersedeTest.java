package org.peerpool;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.peerpool.PeerEvent.Direction;
import org.peerpool.PeerEvent.Kind;
import org.peerpool.config.NodeConfig;
import org.peerpool.PeerSnapshot;
import org.peerpool.testing.Await;
import org.peerpool.testing.RawPeer;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.Message;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PROTOCOL.md section 4, "New connection supersedes old": a fresh HANDSHAKE from a
 * lower peer replaces the connection the agent holds with it (canonical or reverse),
 * the old one gets GOODBYE {@code superseded}, and no reader of the pool ever sees
 * the peer twice or the old connection come back.
 */
@Timeout(60)
class SupersedeTest {

    /** Every wait is for something that must happen; generous, as the machine may be loaded. */
    private static final Duration WAIT = Duration.ofSeconds(15);

    private final List<Agent> agents = new ArrayList<>();
    private final List<AutoCloseable> sockets = new ArrayList<>();
    private final ConcurrentLinkedQueue<PeerEvent> events = new ConcurrentLinkedQueue<>();
    private int port;
    private NodeAddress three;
    private NodeAddress five;
    private Agent agent;

    @BeforeEach
    void setUp() {
        port = TestNet.freePort(5);
        three = TestNet.address(3, port);
        five = TestNet.address(5, port);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable s : sockets) {
            s.close();
        }
        agents.forEach(Agent::stop);
    }

    /** The agent at 127.0.0.5 listing only 127.0.0.3, on one I/O thread: it reads every socket in turn. */
    private void startAgent(int reverseDialAfterS) throws IOException {
        NodeConfig cfg = TestNet.fast(NodeConfig.builder(TestNet.ip(5)).port(port).peers(List.of(three)))
                .reverseDialAfterS(reverseDialAfterS)
                .build();
        agent = Agent.builder(cfg).ioThreads(1).build();
        agents.add(agent);
        agent.onPeerEvent(events::add);
        agent.start();
    }

    /** A connection from 127.0.0.3 whose HANDSHAKE as the lower configured peer was accepted. */
    private RawPeer handshaken() throws IOException {
        RawPeer p = RawPeer.connect(TestNet.ip(3), five);
        sockets.add(p);
        Message.HandshakeAck ack = p.handshakeAs(three);
        assertTrue(ack.accepted(), () -> "handshake rejected: " + ack);
        return p;
    }

    private long currentId() {
        return agent.pool().snapshot(three).orElseThrow().connectionId();
    }

    /** The old connection gets GOODBYE superseded, then end of stream, and nothing else. */
    private static void assertSuperseded(RawPeer old) throws IOException {
        Message m = old.readSkippingAnnouncesAndViews();
        Message.Goodbye bye = assertInstanceOf(Message.Goodbye.class, m, "first frame on the old connection");
        assertEquals("superseded", bye.reason());
        assertNull(old.readSkippingAnnouncesAndViews(), "the old connection stayed open after its GOODBYE");
    }

    @Test
    void newHandshakeFromTheSamePeerSupersedesTheOldConnection() throws Exception {
        startAgent(0);
        RawPeer a = handshaken();
        Await.until(WAIT, () -> agent.pool().isConnected(three), "A connected");
        long idA = currentId();

        PoolProbe probe = new PoolProbe(agent, three);
        probe.start();
        Await.until(WAIT, () -> probe.reads() > 100, "probe running");
        RawPeer b = handshaken();
        // B's ACK is out, so the switch is done: a PAYLOAD now must travel on B.
        byte[] data = {4, 5, 6};
        agent.send(three, "after", data).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        Await.until(WAIT, () -> probe.reads() > 200, "probe still reading");
        probe.stop();

        Message onB = b.readSkippingAnnouncesAndViews();
        Message.Payload payload = assertInstanceOf(Message.Payload.class, onB, "first frame on B after its ACK");
        assertEquals("after", payload.topic());
        assertArrayEquals(data, payload.data());
        assertSuperseded(a);

        long idB = currentId();
        assertNotEquals(0, idB);
        assertNotEquals(idA, idB, "the pool still holds the old connection");
        assertEquals(List.of(three), agent.pool().connectedPeers());
        assertEquals(1, agent.pool().snapshots().stream().filter(s -> s.address().equals(three)).count());
        PeerSnapshot s = agent.pool().snapshot(three).orElseThrow();
        assertEquals(Direction.INBOUND, s.direction());
        assertEquals(b.socket().getLocalSocketAddress().toString(), s.remoteSocket(), "the pool holds B's socket");
        assertEquals(1, agent.pool().superseded());
        assertEquals(0, agent.pool().handshakeFailures());
        assertEquals(0, agent.pool().protocolViolations());
        assertEquals(List.of(), probe.problems());
        assertTrue(probe.sawBoth(idA, idB), () -> "the probe never saw the switch: " + probe.ids());

        // The old connection's close afterwards is not a second disconnect of the peer, nor does it touch B.
        // A closes its side, as a peer does on reading GOODBYE: its end of stream is in the agent's socket
        // before C even connects. The agent's one I/O thread takes C on, then reads C's HANDSHAKE, in later
        // turns than the one that reads A's end; so whatever A's close did (an event, B closed) is done before
        // C supersedes B, and queued before C's events. C's events are the marker: nothing waits for a
        // wrong event not to happen.
        a.close();
        handshaken();
        assertSuperseded(b);
        assertNotEquals(idB, currentId(), "C holds the peer now");
        Await.until(WAIT, () -> events.stream().filter(e -> e.peer().equals(three)).count() >= 6,
                () -> "events: " + events);
        List<PeerEvent> ofThree = events.stream().filter(e -> e.peer().equals(three)).toList();
        assertEquals(List.of(Kind.ADDED, Kind.CONNECTED, Kind.DISCONNECTED, Kind.CONNECTED, Kind.DISCONNECTED,
                Kind.CONNECTED), ofThree.stream().map(PeerEvent::kind).toList(), "A's close was a second disconnect");
        assertEquals("superseded", ofThree.get(2).reason());
        assertEquals("superseded", ofThree.get(4).reason());
        assertEquals(2, agent.pool().superseded());
    }

    @Test
    void repeatedSupersedesNeverShowThePeerTwice() throws Exception {
        startAgent(0);
        PoolProbe probe = new PoolProbe(agent, three);
        probe.start();
        RawPeer previous = null;
        long previousId = 0;
        int rounds = 10;
        for (int i = 0; i < rounds; i++) {
            RawPeer next = handshaken();
            if (previous != null) {
                assertSuperseded(previous);
                previous.close();
            }
            long id = currentId();
            assertTrue(id > previousId, "round " + i + ": connection id " + id + " after " + previousId);
            previous = next;
            previousId = id;
        }
        probe.stop();
        assertEquals(List.of(), probe.problems());
        assertEquals(rounds - 1, agent.pool().superseded());
        assertEquals(List.of(three), agent.pool().connectedPeers());
        assertTrue(probe.reads() > rounds, "probe read only " + probe.reads() + " times");
    }

    @Test
    void canonicalDialSupersedesAReverseConnection() throws Exception {
        try (ServerSocket server = new ServerSocket()) {
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(TestNet.ip(3), port));
            server.setSoTimeout(10_000);
            startAgent(1);
            // Nobody dialed the agent for 1 s: it dials 127.0.0.3 in reverse.
            RawPeer reverse = RawPeer.accept(server);
            sockets.add(reverse);
            Message.Handshake h = assertInstanceOf(Message.Handshake.class, reverse.read(), "reverse dial's first frame");
            assertEquals(five.toString(), h.myAddress());
            reverse.send(new Message.HandshakeAck(true, "127.0.0.5", three.toString(), ""));
            Await.until(WAIT, () -> agent.pool().isConnected(three), "reverse connection up");
            PeerSnapshot before = agent.pool().snapshot(three).orElseThrow();
            assertTrue(before.reverse());
            assertEquals(Direction.OUTBOUND, before.direction());

            PoolProbe probe = new PoolProbe(agent, three);
            probe.start();
            RawPeer canonical = handshaken();
            assertSuperseded(reverse);
            probe.stop();

            PeerSnapshot after = agent.pool().snapshot(three).orElseThrow();
            assertNotEquals(before.connectionId(), after.connectionId());
            assertFalse(after.reverse());
            assertEquals(Direction.INBOUND, after.direction());
            assertEquals(canonical.socket().getLocalSocketAddress().toString(), after.remoteSocket());
            assertEquals(1, agent.pool().superseded());
            assertEquals(List.of(three), agent.pool().connectedPeers());
            assertEquals(List.of(), probe.problems());
        }
    }

    /**
     * Reads the pool continuously and records any moment a peer is listed twice, or
     * the watched peer's connection id goes back to an older connection (ids only grow).
     */
    static final class PoolProbe {
        private final Agent agent;
        private final NodeAddress watched;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        private final ConcurrentLinkedQueue<Long> ids = new ConcurrentLinkedQueue<>();
        private Thread thread;
        private volatile long reads;
        private long lastId;

        PoolProbe(Agent agent, NodeAddress watched) {
            this.agent = agent;
            this.watched = watched;
        }

        void start() {
            thread = new Thread(() -> {
                while (running.get()) {
                    check();
                    reads++;
                }
            }, "pool-probe");
            thread.start();
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join();
            check();
        }

        long reads() {
            return reads;
        }

        List<String> problems() {
            return List.copyOf(problems);
        }

        List<Long> ids() {
            return List.copyOf(ids);
        }

        boolean sawBoth(long first, long second) {
            List<Long> seen = ids();
            return seen.indexOf(first) >= 0 && seen.indexOf(first) < seen.indexOf(second);
        }

        private void check() {
            List<NodeAddress> connected = agent.pool().connectedPeers();
            if (connected.stream().filter(watched::equals).count() > 1) {
                problems.add("connectedPeers lists " + watched + " twice: " + connected);
            }
            List<PeerSnapshot> snaps = agent.pool().snapshots();
            List<PeerSnapshot> mine = snaps.stream().filter(s -> s.address().equals(watched)).toList();
            if (mine.size() > 1) {
                problems.add("snapshots list " + watched + " " + mine.size() + " times: " + mine);
            }
            for (PeerSnapshot s : mine) {
                long id = s.connectionId();
                if (id == 0) {
                    continue;
                }
                if (id < lastId) {
                    problems.add("connection " + id + " of " + watched + " came back after " + lastId);
                }
                if (id != lastId) {
                    ids.add(id);
                    lastId = Math.max(lastId, id);
                }
            }
        }
    }
}
