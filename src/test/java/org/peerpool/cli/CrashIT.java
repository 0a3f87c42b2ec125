package org.peerpool.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.peerpool.Agent;
import org.peerpool.PeerEvent;
import org.peerpool.PeerEvent.Direction;
import org.peerpool.config.NodeConfig;
import org.peerpool.PeerSnapshot;
import org.peerpool.testing.Await;
import org.peerpool.testing.Ini;
import org.peerpool.testing.KernelPairWatch;
import org.peerpool.testing.NodeProcess;
import org.peerpool.testing.PairChecker;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 7, crash: a node process killed with SIGKILL (no GOODBYE, no shutdown hook)
 * and started again on the same config rejoins with exactly one connection per pair.
 * Node 2 of four runs as {@code java -jar target/peerpool.jar} and is killed three
 * times: in a steady mesh, just as it starts listening (handshakes in flight), and in
 * a steady mesh again. Its peers run in this JVM: node 1 dials it, it dials nodes 3
 * and 4. The kernel closes a killed process's sockets, so its peers see the
 * connections end at once; they must never keep a stale one beside the new one, which
 * a checker over their pools and one over the kernel's sockets watch throughout.
 */
@Timeout(180)
class CrashIT {

    private static final Path JAR = Path.of("target", "peerpool.jar");
    private static final String[] FAST = {"keepalive_idle_s = 2", "keepalive_interval_s = 1", "keepalive_count = 2",
            "reverse_dial_after_s = 1"};

    @TempDir
    Path dir;

    private final List<Agent> agents = new ArrayList<>();
    private NodeProcess child;

    @AfterEach
    void cleanUp() throws InterruptedException {
        if (child != null && child.isAlive()) {
            child.kill();
        }
        agents.forEach(Agent::stop);
    }

    @Test
    void aNodeKilledWithSigkillRejoinsWithExactlyOneConnectionPerPair() throws Exception {
        int port = TestNet.freePort(4);
        List<NodeAddress> all = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            all.add(TestNet.address(i, port));
        }
        NodeAddress crashing = all.get(1);
        Path ini = Files.createDirectories(dir.resolve("node2")).resolve("peerpool.ini");
        Ini.writeInPlace(ini, Ini.text(crashing, all, FAST));
        Map<NodeAddress, ConcurrentLinkedQueue<PeerEvent>> events = new HashMap<>();
        for (int i : new int[] {0, 2, 3}) {
            NodeConfig cfg = TestNet.fast(NodeConfig.builder(TestNet.ip(i + 1)).port(port).peers(all))
                    .keepaliveIdleS(2).keepaliveIntervalS(1).keepaliveCount(2).reverseDialAfterS(1).build();
            Agent a = Agent.builder(cfg).ioThreads(1).mbeanServer(null).build();
            ConcurrentLinkedQueue<PeerEvent> seen = new ConcurrentLinkedQueue<>();
            a.onPeerEvent(e -> {
                if (e.peer().equals(crashing)) {
                    seen.add(e);
                }
            });
            events.put(a.address(), seen);
            agents.add(a);
            a.start();
        }
        List<InetAddress> ips = all.stream().map(NodeAddress::ip).toList();

        NodeProcess node = launch(ini, 0);
        try (PairChecker pools = PairChecker.start(agents, 500);
             KernelPairWatch kernel = KernelPairWatch.start(ips, port, 500)) {
            awaitWhole(node, all, Duration.ofSeconds(60));
            long[] superseded = agents.stream().mapToLong(a -> a.pool().superseded()).toArray();
            for (int round = 1; round <= 3; round++) {
                events.values().forEach(ConcurrentLinkedQueue::clear);
                long noticedMs = kill();
                if (round == 2) {
                    // Start it and kill it again the moment it listens: its dials and handshakes are in flight.
                    launch(ini, round).awaitListening(Duration.ofSeconds(30));
                    kill();
                }
                long launched = System.nanoTime();
                node = launch(ini, round + 10);
                long listeningMs = node.awaitListening(Duration.ofSeconds(30));
                awaitWhole(node, all, Duration.ofSeconds(30));
                long rejoinMs = ms(System.nanoTime() - launched);
                System.out.printf("round %d: peers noticed the kill within %d ms; restarted node listening after %d ms,"
                        + " mesh whole %d ms after launch (%d ms after listening)%n", round, noticedMs, listeningMs,
                        rejoinMs, rejoinMs - listeningMs);
                for (Agent a : agents) {
                    List<PeerEvent> seen = List.copyOf(events.get(a.address()));
                    System.out.println("  " + a.address() + " saw " + seen.stream().map(e -> e.kind() + " "
                            + (e.reason().isEmpty() ? String.valueOf(e.direction()) : e.reason())).toList());
                    // Connected before the kill; after it, never more than one at a time, and one at the end.
                    int held = 1;
                    for (PeerEvent e : seen) {
                        held += e.kind() == PeerEvent.Kind.CONNECTED ? 1 : e.kind() == PeerEvent.Kind.DISCONNECTED ? -1 : 0;
                        assertTrue(held == 0 || held == 1, a.address() + " held " + held
                                + " connections with the crashed node: " + seen);
                    }
                    assertEquals(1, held, a.address() + " ends with one connection: " + seen);
                    PeerEvent first = seen.get(0);
                    assertEquals(PeerEvent.Kind.DISCONNECTED, first.kind(), "the old one ended first: " + seen);
                    // The kernel closes a killed process's sockets (FIN, or RST over unread data); a stale one
                    // that lingered would have to be superseded by the restarted node's dial.
                    assertTrue(first.reason().equals("connection closed by peer") || first.reason().startsWith("I/O error")
                            || first.reason().equals("superseded"), "why the old one ended: " + first.reason());
                }
            }
            long[] after = agents.stream().mapToLong(a -> a.pool().superseded()).toArray();
            System.out.println("superseded before " + Arrays.toString(superseded) + ", after " + Arrays.toString(after));
            pools.close();
            kernel.close();
            System.out.println(pools.summary() + "; " + kernel.summary());
            assertEquals(List.of(), pools.problems());
            assertEquals(List.of(), kernel.problems());
            // A read of the kernel's socket list can take 100-350 ms on a host full of TIME_WAIT sockets
            // (FloodTest leaves tens of thousands): a few reads across the crash are what can be asked.
            assertTrue(kernel.reads() >= 3, "the kernel watch read the sockets: " + kernel.summary());
        }
        Map<String, Integer> perPair = KernelPairWatch.connectionsPerPair(ips, port);
        assertEquals(6, perPair.size(), "every pair has a TCP connection: " + perPair);
        assertTrue(perPair.values().stream().allMatch(n -> n == 1), "exactly one per pair: " + perPair);
    }

    // ------------------------------------------------------------------ the child node

    private NodeProcess launch(Path ini, int n) throws IOException {
        child = NodeProcess.start(List.of("-jar", JAR.toString()), ini, dir, "node2-" + n);
        return child;
    }

    /** SIGKILLs node 2 and waits until every peer has dropped it; returns how long that took. */
    private long kill() throws InterruptedException {
        long killed = System.nanoTime();
        assertEquals(137, child.kill(), "ended by SIGKILL");
        Await.until(Duration.ofSeconds(10), () -> agents.stream().allMatch(a -> a.pool().connectedPeers().size() == 2),
                () -> "every peer noticed the crash: " + agents.stream().map(a -> a.address() + "="
                        + a.pool().connectedPeers()).toList());
        return ms(System.nanoTime() - killed);
    }

    /**
     * Waits until every pair is connected once, canonically, and the two ends of each
     * of node 2's connections (its Peer beans over JMX, the peers' pools) name the same
     * socket pair.
     */
    private void awaitWhole(NodeProcess node, List<NodeAddress> all, Duration timeout) {
        NodeAddress crashing = all.get(1);
        String[] last = {""};
        Await.until(timeout, () -> {
            if (!agents.stream().allMatch(a -> a.pool().connectionCount() == 3)) {
                last[0] = "in-JVM pools: " + agents.stream().map(a -> a.address() + "=" + a.pool().connectedPeers()).toList();
                return false;
            }
            Map<NodeAddress, NodeProcess.End> remote;
            try {
                remote = node.connections(crashing);
            } catch (Exception e) {
                last[0] = "JMX: " + e;
                return false;
            }
            if (remote.size() != 3) {
                last[0] = "node 2 lists " + remote.keySet();
                return false;
            }
            for (Agent a : agents) {
                PeerSnapshot s = a.pool().snapshot(crashing).orElse(null);
                NodeProcess.End r = remote.get(a.address());
                if (s == null || r == null || s.connectionId() == 0) {
                    last[0] = a.address() + " / node 2 not both connected: " + s + " / " + r;
                    return false;
                }
                Direction expected = a.address().compareTo(crashing) < 0 ? Direction.OUTBOUND : Direction.INBOUND;
                if (s.direction() != expected || !s.localSocket().equals(r.remoteSocket())
                        || !s.remoteSocket().equals(r.localSocket())) {
                    last[0] = a.address() + " " + s.direction() + " " + s.localSocket() + "->" + s.remoteSocket()
                            + " vs node 2 " + r;
                    return false;
                }
            }
            return true;
        }, () -> "mesh not whole: " + last[0] + "\nnode 2 log:\n" + node.tail());
    }

    private static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
