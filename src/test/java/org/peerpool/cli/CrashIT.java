package org.peerpool.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
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

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.peerpool.Agent;
import org.peerpool.PeerEvent;
import org.peerpool.PeerEvent.Direction;
import org.peerpool.config.NodeConfig;
import org.peerpool.jmx.JmxNames;
import org.peerpool.pool.PeerSnapshot;
import org.peerpool.testing.Await;
import org.peerpool.testing.Ini;
import org.peerpool.testing.KernelPairWatch;
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
    private Process child;

    @AfterEach
    void cleanUp() throws InterruptedException {
        if (child != null) {
            child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
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

        Node node = launch(ini, 0);
        try (PairChecker pools = PairChecker.start(agents, 500);
             KernelPairWatch kernel = KernelPairWatch.start(ips, port, 500)) {
            awaitWhole(node, all, Duration.ofSeconds(60));
            long[] superseded = agents.stream().mapToLong(a -> a.pool().superseded()).toArray();
            for (int round = 1; round <= 3; round++) {
                events.values().forEach(ConcurrentLinkedQueue::clear);
                long noticedMs = kill();
                if (round == 2) {
                    // Start it and kill it again the moment it listens: its dials and handshakes are in flight.
                    node = launch(ini, round);
                    awaitListening(node);
                    kill();
                }
                long launched = System.nanoTime();
                node = launch(ini, round + 10);
                long listeningMs = awaitListening(node);
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
            assertTrue(kernel.reads() > 10, "the kernel watch read the sockets: " + kernel.summary());
        }
        Map<String, Integer> perPair = KernelPairWatch.connectionsPerPair(ips, port);
        assertEquals(6, perPair.size(), "every pair has a TCP connection: " + perPair);
        assertTrue(perPair.values().stream().allMatch(n -> n == 1), "exactly one per pair: " + perPair);
    }

    // ------------------------------------------------------------------ the child node

    /** SIGKILLs node 2 and waits until every peer has dropped it; returns how long that took. */
    private long kill() throws InterruptedException {
        long killed = System.nanoTime();
        child.destroyForcibly();
        assertTrue(child.waitFor(10, TimeUnit.SECONDS), "killed process ended");
        assertEquals(137, child.exitValue(), "ended by SIGKILL");
        Await.until(Duration.ofSeconds(10), () -> agents.stream().allMatch(a -> a.pool().connectedPeers().size() == 2),
                () -> "every peer noticed the crash: " + agents.stream().map(a -> a.address() + "="
                        + a.pool().connectedPeers()).toList());
        return ms(System.nanoTime() - killed);
    }

    /** A launched node process with remote JMX on {@code jmxPort} and a pid file written once it listens. */
    private record Node(Path pidFile, int jmxPort, Path log) { }

    private Node launch(Path ini, int n) throws IOException {
        int jmxPort = freeLoopbackPort();
        Path pid = dir.resolve("node2-" + n + ".pid");
        Path log = dir.resolve("node2-" + n + ".log");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx96m", "-XX:TieredStopAtLevel=1",
                "-Dcom.sun.management.jmxremote.port=" + jmxPort, "-Dcom.sun.management.jmxremote.rmi.port=" + jmxPort,
                "-Dcom.sun.management.jmxremote.host=127.0.0.1", "-Djava.rmi.server.hostname=127.0.0.1",
                "-Dcom.sun.management.jmxremote.authenticate=false", "-Dcom.sun.management.jmxremote.ssl=false",
                "-Dpeerpool.pidfile=" + pid, "-jar", JAR.toString(), ini.toString());
        child = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new Node(pid, jmxPort, log);
    }

    /** Waits for the pid file Main writes once the node listens; returns how long it took. */
    private long awaitListening(Node node) {
        long t0 = System.nanoTime();
        Await.until(Duration.ofSeconds(30), () -> Files.exists(node.pidFile()) || !child.isAlive(),
                () -> "node 2 did not start listening: " + tail(node.log()));
        assertTrue(child.isAlive(), () -> "node 2 exited: " + tail(node.log()));
        return ms(System.nanoTime() - t0);
    }

    /**
     * Waits until every pair is connected once, canonically, and the two ends of each
     * of node 2's connections (its Peer beans over JMX, the peers' pools) name the same
     * socket pair.
     */
    private void awaitWhole(Node node, List<NodeAddress> all, Duration timeout) {
        NodeAddress crashing = all.get(1);
        String[] last = {""};
        Await.until(timeout, () -> {
            if (!agents.stream().allMatch(a -> a.pool().connectionCount() == 3)) {
                last[0] = "in-JVM pools: " + agents.stream().map(a -> a.address() + "=" + a.pool().connectedPeers()).toList();
                return false;
            }
            Map<NodeAddress, String[]> remote;
            try {
                remote = childView(node, all);
            } catch (Exception e) {
                last[0] = "JMX: " + e;
                return false;
            }
            for (Agent a : agents) {
                PeerSnapshot s = a.pool().snapshot(crashing).orElse(null);
                String[] r = remote.get(a.address());
                if (s == null || r == null || s.connectionId() == 0) {
                    last[0] = a.address() + " / node 2 not both connected: " + s + " / " + Arrays.toString(r);
                    return false;
                }
                Direction expected = a.address().compareTo(crashing) < 0 ? Direction.OUTBOUND : Direction.INBOUND;
                if (s.direction() != expected || !s.localSocket().equals(r[1]) || !s.remoteSocket().equals(r[0])) {
                    last[0] = a.address() + " " + s.direction() + " " + s.localSocket() + "->" + s.remoteSocket()
                            + " vs node 2 " + r[2] + " " + r[0] + "->" + r[1];
                    return false;
                }
            }
            return true;
        }, () -> "mesh not whole: " + last[0] + "\nnode 2 log:\n" + tail(node.log()));
    }

    /** For each peer node 2 is connected to: its local socket, remote socket and direction, over JMX. */
    private static Map<NodeAddress, String[]> childView(Node node, List<NodeAddress> all) throws Exception {
        NodeAddress self = all.get(1);
        JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + node.jmxPort() + "/jmxrmi");
        Map<NodeAddress, String[]> out = new HashMap<>();
        try (JMXConnector c = JMXConnectorFactory.connect(url)) {
            MBeanServerConnection mbs = c.getMBeanServerConnection();
            String[] connected = (String[]) mbs.getAttribute(JmxNames.pool(self), "ConnectedPeers");
            if (connected.length != 3) {
                throw new IllegalStateException("node 2 lists " + Arrays.toString(connected));
            }
            for (String p : connected) {
                NodeAddress peer = NodeAddress.parse(p);
                ObjectName bean = JmxNames.peer(self, peer);
                out.put(peer, new String[] {(String) mbs.getAttribute(bean, "LocalSocket"),
                        (String) mbs.getAttribute(bean, "RemoteSocket"), (String) mbs.getAttribute(bean, "Direction")});
            }
        }
        return out;
    }

    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(TestNet.ip(1), 0));
            return s.getLocalPort();
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
