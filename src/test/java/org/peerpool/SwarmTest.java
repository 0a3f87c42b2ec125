package org.peerpool;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.management.MBeanServerFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.peerpool.config.NodeConfig;
import org.peerpool.config.TlsSettings;
import org.peerpool.testing.Await;
import org.peerpool.testing.KernelPairWatch;
import org.peerpool.testing.Keys;
import org.peerpool.testing.Swarm;
import org.peerpool.testing.SwarmKeys;
import org.peerpool.testing.TestNet;
import org.peerpool.testing.TlsWire;
import org.peerpool.tls.KeyPin;
import org.peerpool.tls.LocalKey;
import org.peerpool.tls.TlsMode;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 20: a thousand peers. One node (127.1.0.1, above every swarm address, so it
 * only answers) lists 1,000 {@link Swarm} peers on 127.0.x.y; each dials once, and
 * the node ends up holding exactly one connection per peer, in its pool and in the
 * kernel's socket table, with a Peer bean for each, and no peer dialed twice. The
 * swarm dials before the node listens, so all 1,000 arrive at once, past
 * {@code max_handshaking}: no listed peer's handshake may be dropped for it. The same
 * over TLS with pinned keys, for a few hundred peers. Bounds are generous: timings
 * belong to the benchmark.
 */
@Timeout(300)
class SwarmTest {

    private static final int WANTED = Integer.getInteger("swarm.peers", 1000);

    @Test
    void aThousandPeersEachHoldExactlyOneConnection() throws Exception {
        // Both ends of every connection live in this JVM: two descriptors per peer, plus the JVM's own.
        long fds = openFileLimit();
        int count = (int) Math.min(WANTED, (fds - 1000) / 2);
        if (count < WANTED) {
            System.out.printf("SwarmTest: this JVM may open %d files; running %d peers instead of %d%n", fds, count,
                    WANTED);
        }
        assertTrue(count > 300, "too few open files (" + fds + ") for more peers than max_handshaking");
        int port = TestNet.freePort(1);
        InetAddress nodeIp = InetAddress.getByName("127.1.0.1");
        List<NodeAddress> peers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            peers.add(NodeAddress.of(Swarm.ip(i), port));
        }
        var server = MBeanServerFactory.newMBeanServer();
        Agent node = Agent.builder(NodeConfig.builder(nodeIp).port(port).peers(peers).reverseDialAfterS(0)
                .heartbeatIntervalS(10).build()).ioThreads(2).mbeanServer(server).build();
        long t0 = System.nanoTime();
        // The swarm dials before the node listens, as peers do while a node restarts: all at once when it opens.
        try (Swarm swarm = Swarm.start(NodeAddress.of(nodeIp, port), count, port, 2, 10_000, 0)) {
            node.start();
            awaitEachAcceptedOnce(node, swarm, count);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            List<InetAddress> ips = new ArrayList<>(List.of(nodeIp));
            peers.forEach(p -> ips.add(p.ip()));
            Map<String, Integer> perPair = KernelPairWatch.connectionsPerPair(ips, port);
            assertEquals(count, perPair.size(), "one TCP connection per peer in the kernel's table");
            assertTrue(perPair.values().stream().allMatch(n -> n == 1), "never two for a peer: " + perPair);
            Await.until(Duration.ofSeconds(60), () -> server.queryNames(null, null).stream()
                    .filter(n -> "Peer".equals(n.getKeyProperty("type"))).count() == count, "a Peer bean per peer");
            // More listed peers than max_handshaking (256) dialed at once: each gets its handshake, none is dropped.
            assertEquals(0, node.pool().handshakesRefused(), "listed peers' handshakes dropped by the bounds");
            System.out.printf("SwarmTest: %d peers connected in %d ms%n", count, ms);
        } finally {
            node.stop();
        }
    }

    /**
     * Hundreds of TLS handshakes at once: 300 peers, each pinned to a key of its own, dial a node with {@code [tls] mode
     * = required} before it listens, so all arrive together on its two I/O threads (some may
     * pass the handshake timeout and dial again); each ends with exactly one TLS connection,
     * with its pinned key.
     */
    @Test
    void hundredsOfPinnedTlsPeersAtOnceEachHoldOneTlsConnection() throws Exception {
        int count = 300;
        Keys.Key nodeKey = Keys.get("swarm-node");
        SwarmKeys keys = SwarmKeys.generate(count);
        int port = TestNet.freePort(1);
        InetAddress nodeIp = InetAddress.getByName("127.1.0.2");
        NodeConfig.Builder b = NodeConfig.builder(nodeIp).port(port).reverseDialAfterS(0).heartbeatIntervalS(10)
                .tls(TlsSettings.of(TlsMode.REQUIRED, LocalKey.load(nodeKey.file(), nodeKey.password().toCharArray())));
        List<NodeAddress> peers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            NodeAddress p = NodeAddress.of(Swarm.ip(i), port);
            peers.add(p);
            b.addPeer(p, Set.of(KeyPin.parse(keys.pin(i))));
        }
        Agent node = Agent.builder(b.build()).ioThreads(2).build();
        try (Swarm swarm = Swarm.start(NodeAddress.of(nodeIp, port), count, port, 2, 10_000, 0,
                i -> keys.context(i, TlsWire.trustAny()))) {
            node.start();
            awaitEachAcceptedOnce(node, swarm, count);
            for (int i = 0; i < count; i++) {
                assertEquals(keys.pin(i), node.pool().snapshot(peers.get(i)).orElseThrow().peerKeyPin(),
                        peers.get(i) + " is linked over TLS with its own key");
            }
        } finally {
            node.stop();
        }
    }

    /** Waits until the node holds every swarm peer and each was accepted exactly once, none refused. */
    private static void awaitEachAcceptedOnce(Agent node, Swarm swarm, int count) {
        Await.until(Duration.ofSeconds(180),
                () -> node.pool().connectionCount() == count && swarm.connected() == count,
                () -> "node holds " + node.pool().connectionCount() + ", swarm has " + swarm.connected()
                        + " accepted; refusals " + swarm.refusals());
        for (int i = 0; i < count; i++) {
            assertEquals(1, swarm.connectionsOf(i), "peer " + i + " was accepted once");
        }
        assertEquals(List.of(), swarm.refusals(), "no peer was refused");
    }

    /** The soft limit on open files of this process, from /proc/self/limits (Long.MAX_VALUE if unlimited). */
    private static long openFileLimit() throws java.io.IOException {
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/limits"))) {
            if (line.startsWith("Max open files")) {
                String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
            }
        }
        return Long.MAX_VALUE;
    }
}
