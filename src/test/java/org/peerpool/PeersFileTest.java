package org.peerpool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.peerpool.config.ConfigWatcher;
import org.peerpool.config.NodeConfig;
import org.peerpool.jmx.JmxNames;
import org.peerpool.testing.Await;
import org.peerpool.testing.Ini;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.NodeAddress;

/**
 * A {@code [peers] file} rewritten by another program, in place and by rename, adds and
 * removes peers (DESIGN.md A2: within a second), and an INI edit dropping the source drops its peers. The bound asserted is 5 s, for a loaded
 * machine; the time measured is printed.
 */
@Timeout(60)
class PeersFileTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    /** A2 asks for one second; five leaves room for a loaded machine, and the measured time is printed. */
    private static final long BOUND_MS = 5000;

    @TempDir
    Path dir;

    private final List<Agent> agents = new ArrayList<>();

    @AfterEach
    void stopAll() {
        agents.forEach(Agent::stop);
    }

    @Test
    void rewrittenFileAddsAndRemovesPeers() throws Exception {
        int port = TestNet.freePort(4);
        NodeAddress a = TestNet.address(1, port);
        NodeAddress b = TestNet.address(2, port);
        NodeAddress c = TestNet.address(3, port);
        NodeAddress d = TestNet.address(4, port);
        for (int i = 2; i <= 4; i++) {
            Agent peer = Agent.builder(TestNet.fast(NodeConfig.builder(TestNet.ip(i)).port(port).peers(List.of(a)))
                    .build()).ioThreads(1).mbeanServer(null).build();
            agents.add(peer);
            peer.start();
        }
        Path peers = dir.resolve("masternodes.txt");
        Ini.writeInPlace(peers, "# written by the node daemon\n" + b + "   ; the first one\n");
        Path ini = dir.resolve("peerpool.ini");
        Ini.writeInPlace(ini, Ini.text(a, List.of(c)) + "[peers]\nfile = masternodes.txt\n");
        MBeanServer server = MBeanServerFactory.newMBeanServer();
        Agent node = Agent.builder(ConfigWatcher.load(ini)).ioThreads(1).mbeanServer(server).build();
        agents.add(node);
        node.start();
        Await.until(WAIT, () -> node.pool().isConnected(b) && node.pool().isConnected(c), "connected to file and ini peers");
        assertArrayEquals(new String[] {"file:masternodes.txt"}, sources(server, a, b));
        assertArrayEquals(new String[] {"ini"}, sources(server, a, c));

        long inPlace = timeToConfigure(() -> Ini.writeInPlace(peers, b + "\n" + d + "\n"),
                () -> node.pool().configuredPeers().contains(d));
        Await.until(WAIT, () -> node.pool().isConnected(d), "added peer connected");

        // Drops b, half of the file's two: not more than max_drop_fraction (0.5), so it applies at once.
        long renamed = timeToConfigure(() -> Ini.writeThenRename(peers, d + "\n" + c + " ; also a peer line\n"),
                () -> !node.pool().configuredPeers().contains(b));
        Await.until(WAIT, () -> !node.pool().isConnected(b), "removed peer disconnected");
        assertTrue(node.pool().isConnected(c), "a peer listed by the INI and the file stays");
        assertArrayEquals(new String[] {"ini", "file:masternodes.txt"}, sources(server, a, c));
        System.out.printf("PeersFileTest: peers file rewritten in place applied in %d ms, by rename in %d ms%n",
                inPlace, renamed);

        // An INI edit that drops [peers] drops the file's peers, and keeps its own.
        Ini.writeInPlace(ini, Ini.text(a, List.of(c)));
        Await.until(WAIT, () -> node.pool().configuredPeers().equals(List.of(c)), () -> "only the INI's peer: "
                + node.pool().configuredPeers());
        assertTrue(node.pool().isConnected(c), "the INI's peer kept its connection");
        assertArrayEquals(new String[] {"ini"}, sources(server, a, c));
    }

    private interface Write {
        void run() throws Exception;
    }

    private static long timeToConfigure(Write write, BooleanSupplier done)
            throws Exception {
        long t0 = System.nanoTime();
        write.run();
        Await.until(Duration.ofMillis(BOUND_MS), done, "file change applied");
        return (System.nanoTime() - t0) / 1_000_000;
    }

    private static String[] sources(MBeanServer server, NodeAddress node, NodeAddress peer) {
        Await.until(WAIT, () -> server.isRegistered(JmxNames.peer(node, peer)), "Peer bean of " + peer);
        return JMX.newMXBeanProxy(server, JmxNames.peer(node, peer), PeerMXBean.class).getSources();
    }
}
