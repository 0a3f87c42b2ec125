package org.peerpool;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.peerpool.config.NodeConfig;
import org.peerpool.testing.Await;
import org.peerpool.testing.RawPeer;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.Message;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Application traffic: PAYLOAD to one peer and to all, and the ANNOUNCE heartbeat. */
@Timeout(60)
class TrafficTest {

    /** Every wait is for something that must happen; generous, as the machine may be loaded. */
    private static final Duration WAIT = Duration.ofSeconds(15);

    private final List<Agent> agents = new ArrayList<>();

    @AfterEach
    void stopAll() {
        agents.forEach(Agent::stop);
    }

    private List<Agent> mesh(int n, java.util.function.UnaryOperator<NodeConfig.Builder> tweak) throws Exception {
        int port = TestNet.freePort(n);
        for (NodeConfig.Builder b : TestNet.mesh(1, n, port)) {
            Agent a = Agent.builder(tweak.apply(b).build()).ioThreads(1).build();
            agents.add(a);
            a.start();
        }
        Await.until(WAIT, () -> agents.stream().allMatch(a -> a.pool().connectionCount() == n - 1), "mesh");
        return agents;
    }

    record Received(NodeAddress from, String topic, byte[] data) {
    }

    @Test
    void payloadArrivesIntactAndBroadcastReachesEveryPeer() throws Exception {
        mesh(4, b -> b);
        List<ConcurrentLinkedQueue<Received>> inboxes = new ArrayList<>();
        for (Agent a : agents) {
            ConcurrentLinkedQueue<Received> inbox = new ConcurrentLinkedQueue<>();
            a.onPayload((from, topic, data) -> inbox.add(new Received(from, topic, data)));
            inboxes.add(inbox);
        }
        byte[] block = new byte[300_000];
        new Random(7).nextBytes(block);
        Agent first = agents.get(0);
        Agent last = agents.get(3);
        first.send(last.address(), "block/ünï", block).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        Await.until(WAIT, () -> !inboxes.get(3).isEmpty(), "payload delivered");
        Received r = inboxes.get(3).poll();
        assertEquals(first.address(), r.from());
        assertEquals("block/ünï", r.topic());
        assertArrayEquals(block, r.data());

        // From the highest node too: direction of the connection does not matter for traffic.
        Map<NodeAddress, CompletableFuture<Void>> sent = last.broadcast("tx", "hello".getBytes());
        assertEquals(3, sent.size());
        CompletableFuture.allOf(sent.values().toArray(CompletableFuture[]::new)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        for (int i = 0; i < 3; i++) {
            ConcurrentLinkedQueue<Received> inbox = inboxes.get(i);
            Await.until(WAIT, () -> inbox.stream().anyMatch(x -> x.topic().equals("tx")), "broadcast at " + i);
            Received got = inbox.stream().filter(x -> x.topic().equals("tx")).findFirst().orElseThrow();
            assertEquals(last.address(), got.from());
            assertEquals("hello", new String(got.data()));
        }
    }

    @Test
    void manyPayloadsArriveInOrder() throws Exception {
        mesh(2, b -> b);
        ConcurrentLinkedQueue<Integer> seen = new ConcurrentLinkedQueue<>();
        agents.get(1).onPayload((from, topic, data) -> seen.add(Integer.parseInt(new String(data))));
        CompletableFuture<Void> lastSend = null;
        for (int i = 0; i < 5000; i++) {
            lastSend = agents.get(0).send(agents.get(1).address(), "seq", Integer.toString(i).getBytes());
        }
        lastSend.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        Await.until(WAIT, () -> seen.size() == 5000, () -> "received " + seen.size());
        int expect = 0;
        for (int v : seen) {
            assertEquals(expect++, v);
        }
    }

    @Test
    void sendingToAPeerThatIsNotConnectedFailsClearly() throws Exception {
        mesh(2, b -> b);
        NodeAddress nobody = TestNet.address(9, 1234);
        CompletableFuture<Void> f = agents.get(0).send(nobody, "t", new byte[1]);
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        assertInstanceOf(SendFailedException.class, e.getCause());
        assertEquals(nobody + ": not connected", e.getCause().getMessage());
    }

    @Test
    void announceArrivesEveryIntervalWithRisingSequence() throws Exception {
        int port = TestNet.freePort(5);
        NodeAddress me = TestNet.address(3, port);
        Agent agent = Agent.builder(TestNet.fast(NodeConfig.builder(TestNet.ip(5)).port(port)).addPeer(me)
                .heartbeatIntervalS(1).reverseDialAfterS(0).build()).ioThreads(1).build();
        agents.add(agent);
        agent.start();
        try (RawPeer peer = RawPeer.connect(TestNet.ip(3), agent.address())) {
            long handshakeAt = System.nanoTime();
            assertTrue(peer.handshakeAs(me).accepted());
            long previous = 0;
            for (int i = 0; i < 3; i++) {
                Message m = peer.read();
                while (m instanceof Message.View) {
                    // The node's mesh view, sent right after the handshake and on change: not a heartbeat.
                    m = peer.read();
                }
                Message.Announce a = assertInstanceOf(Message.Announce.class, m);
                if (i == 0) {
                    // One interval (1 s) after the handshake when the machine is idle; the bound only tells a
                    // heartbeat from one that never starts, as a loaded machine may be seconds late.
                    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - handshakeAt);
                    System.out.printf("first ANNOUNCE %d ms after the handshake%n", ms);
                    assertTrue(ms < WAIT.toMillis(), "first ANNOUNCE " + ms + " ms after the handshake");
                }
                assertEquals(agent.address().toString(), a.address());
                assertEquals(previous + 1, a.sequence(), "sequence rises by one");
                // Within a minute: Unix seconds or microseconds would be off by years, and a loaded machine by seconds.
                assertTrue(Math.abs(System.currentTimeMillis() - a.timestampMs()) < 60_000, "timestamp is Unix ms");
                previous = a.sequence();
            }
        }
    }

    @Test
    void announcesUpdateTheReceiversView() throws Exception {
        mesh(2, b -> b.heartbeatIntervalS(1));
        NodeAddress low = agents.get(0).address();
        Await.until(WAIT, () -> agents.get(1).pool().snapshot(low)
                .map(s -> s.lastAnnounceSequence() >= 2).orElse(false), "two announces seen");
        assertTrue(Arrays.asList(agents.get(1).pool().connectedPeers().toArray()).contains(low));
    }
}
