package org.peerpool;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.peerpool.config.NodeConfig;
import org.peerpool.testing.Await;
import org.peerpool.testing.TestNet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Stopping and restarting any one node (the lowest, a middle one, the highest) heals
 * the mesh to exactly one connection per pair, and its peers hear why it left.
 */
@Timeout(120)
class RestartTest {

    private final List<Agent> agents = new ArrayList<>();

    @AfterEach
    void stopAll() {
        agents.forEach(Agent::stop);
    }

    @Test
    void restartingTheLowestAMiddleAndTheHighestNodeHealsTheMesh() throws Exception {
        int port = TestNet.freePort(4);
        List<NodeConfig> configs = TestNet.mesh(1, 4, port).stream().map(NodeConfig.Builder::build).toList();
        List<ConcurrentLinkedQueue<PeerEvent>> events = new ArrayList<>();
        for (NodeConfig c : configs) {
            Agent a = Agent.builder(c).ioThreads(1).build();
            ConcurrentLinkedQueue<PeerEvent> seen = new ConcurrentLinkedQueue<>();
            a.onPeerEvent(seen::add);
            events.add(seen);
            agents.add(a);
            a.start();
        }
        awaitFullMesh();

        for (int k : new int[] {0, 1, 3}) {
            events.forEach(ConcurrentLinkedQueue::clear);
            Agent leaving = agents.get(k);
            leaving.stop();
            for (int i = 0; i < 4; i++) {
                if (i == k) {
                    continue;
                }
                ConcurrentLinkedQueue<PeerEvent> seen = events.get(i);
                String observer = "node " + (i + 1);
                Await.until(Duration.ofSeconds(15), () -> seen.stream().anyMatch(e ->
                                e.kind() == PeerEvent.Kind.DISCONNECTED && e.peer().equals(leaving.address())),
                        () -> "no disconnect of " + leaving.address() + " seen by " + observer);
                PeerEvent gone = seen.stream().filter(e -> e.kind() == PeerEvent.Kind.DISCONNECTED
                        && e.peer().equals(leaving.address())).findFirst().orElseThrow();
                assertEquals("peer said goodbye: shutting down", gone.reason(), "reason seen by " + agents.get(i).address());
            }
            Agent back = Agent.builder(configs.get(k)).ioThreads(1).build();
            back.onPeerEvent(events.get(k)::add);
            agents.set(k, back);
            back.start();
            awaitFullMesh();
        }
    }

    private void awaitFullMesh() {
        Await.until(Duration.ofSeconds(10), () -> agents.stream().allMatch(a -> a.pool().connectionCount() == 3),
                () -> "connections: " + agents.stream().map(a -> a.address() + "=" + a.pool().connectedPeers()).toList());
        int pairs = 0;
        for (Agent a : agents) {
            for (Agent b : agents) {
                if (a.address().compareTo(b.address()) < 0) {
                    var ab = a.pool().snapshot(b.address()).orElseThrow();
                    var ba = b.pool().snapshot(a.address()).orElseThrow();
                    assertEquals(PeerEvent.Direction.OUTBOUND, ab.direction(), a.address() + " -> " + b.address());
                    assertEquals(PeerEvent.Direction.INBOUND, ba.direction(), b.address() + " <- " + a.address());
                    assertEquals(ab.localSocket(), ba.remoteSocket(), "one socket joins " + a.address() + " and " + b.address());
                    pairs++;
                }
            }
        }
        assertTrue(pairs == 6, "pairs: " + pairs);
    }
}
