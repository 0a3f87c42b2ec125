package org.peerpool.jmx;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.peerpool.Agent;
import org.peerpool.ConnectionPoolMXBean;
import org.peerpool.PeerEvent;
import org.peerpool.PeerMXBean;
import org.peerpool.config.NodeConfig;
import org.peerpool.testing.Await;
import org.peerpool.testing.LogCapture;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A bean lives exactly as long as what it shows: after a peer is removed, a node
 * stops, or an unlisted peer comes and goes a hundred times, the MBeanServer holds
 * exactly the beans that should exist. And JMX failing never costs a connection.
 */
@Timeout(120)
class JmxLifecycleTest {

    private final JmxNodes nodes = new JmxNodes();

    @AfterEach
    void stop() {
        nodes.close();
    }

    private static Set<ObjectName> union(List<Set<ObjectName>> sets) {
        Set<ObjectName> out = new HashSet<>();
        sets.forEach(out::addAll);
        return out;
    }

    @Test
    void aRemovedPeerLosesItsBean() throws Exception {
        List<Agent> mesh = nodes.mesh(3, TestNet.freePort(3));
        JmxNodes.awaitWhole(mesh);
        nodes.awaitBeans(mesh);
        Agent first = mesh.get(0);
        Agent third = mesh.get(2);

        first.apply(first.pool().config().toBuilder()
                .peers(first.pool().config().peers().stream().filter(p -> !p.equals(third.address())).toList()).build());

        nodes.awaitBeans(union(List.of(
                JmxNodes.beansOf(first, List.of(mesh.get(1))),
                JmxNodes.beansOf(mesh.get(1), mesh),
                // The third still lists the first, so it keeps its bean (and waits for its dial).
                JmxNodes.beansOf(third, mesh))));
    }

    @Test
    void aStoppedNodeLeavesNoBeanBehind() throws Exception {
        List<Agent> mesh = nodes.mesh(3, TestNet.freePort(3));
        JmxNodes.awaitWhole(mesh);
        nodes.awaitBeans(mesh);
        Agent second = mesh.get(1);

        second.stop();

        // Gone by the time stop() returns, not eventually.
        Set<ObjectName> left = nodes.names();
        left.removeIf(n -> !n.getKeyProperty("node").equals(ObjectName.quote(second.address().toString())));
        assertEquals(Set.of(), left);
        assertEquals(union(List.of(JmxNodes.beansOf(mesh.get(0), mesh), JmxNodes.beansOf(mesh.get(2), mesh))),
                nodes.names());
    }

    @Test
    void aHundredConnectAndDisconnectCyclesLeaveExactlyTheBeansThatShouldExist() throws Exception {
        int port = TestNet.freePort(2);
        NodeAddress lowAddress = TestNet.address(1, port);
        NodeAddress highAddress = TestNet.address(2, port);
        Agent low = nodes.agent(TestNet.fast(NodeConfig.builder(lowAddress.ip()).port(port).addPeer(highAddress))
                .reconnectMinMs(10).reconnectMaxMs(50).build());
        // The high node lists nobody: the low one is an unlisted peer, its entry and bean made and dropped each time.
        Agent high = nodes.agent(TestNet.fast(NodeConfig.builder(highAddress.ip()).port(port))
                .acceptUnknownPeers(true).build());
        high.listen();
        // The high node's events are handled in order: once it told of a connection, its bean changes are done.
        AtomicInteger highConnections = new AtomicInteger();
        nodes.server.addNotificationListener(JmxNames.pool(highAddress), (n, hb) -> {
            if (n.getType().equals(ConnectionPoolMXBean.PEER_CONNECTED)) {
                highConnections.incrementAndGet();
            }
        }, null, null);
        high.start();
        low.start();
        PeerMXBean lowSide = nodes.peer(low, highAddress);
        Await.until(Duration.ofSeconds(10), () -> highConnections.get() == 1, "connected");
        Set<ObjectName> expected = union(List.of(JmxNodes.beansOf(lowAddress, List.of(highAddress)),
                JmxNodes.beansOf(highAddress, List.of(lowAddress))));
        nodes.awaitBeans(expected);

        for (int cycle = 0; cycle < 100; cycle++) {
            long id = lowSide.getConnectionId();
            int connectionsBefore = highConnections.get();
            String said = nodes.pool(low).disconnect(highAddress.toString());
            assertTrue(said.startsWith("Disconnected"), "cycle " + cycle + ": " + said);
            int c = cycle;
            Await.until(Duration.ofSeconds(10), () -> highConnections.get() > connectionsBefore
                    && "CONNECTED".equals(lowSide.getState()) && lowSide.getConnectionId() != id,
                    () -> "cycle " + c + ": reconnected");
            assertEquals(expected, nodes.names(), "cycle " + cycle);
        }
        assertEquals("CONNECTED", nodes.peer(high, lowAddress).getState());
        assertEquals(false, nodes.peer(high, lowAddress).isConfigured());
    }

    /** A bean under the name a peer's bean would take, put there by someone else. */
    public interface SquatterMBean {
        String getOwner();
    }

    static final class Squatter implements SquatterMBean {
        @Override
        public String getOwner() {
            return "another tool";
        }
    }

    @Test
    void aNameAlreadyTakenIsWarnedAboutAndLeftAloneWhileTheConnectionRuns() throws Exception {
        int port = TestNet.freePort(2);
        ObjectName taken = JmxNames.peer(TestNet.address(1, port), TestNet.address(2, port));
        nodes.server.registerMBean(new Squatter(), taken);

        try (LogCapture warnings = LogCapture.warnings(MBeanRegistry.class)) {
            List<Agent> pair = nodes.mesh(2, port);
            JmxNodes.awaitWhole(pair);
            Await.until(Duration.ofSeconds(10), () -> !warnings.messages().isEmpty(), "a WARN");
            assertTrue(warnings.messages().get(0).startsWith("Cannot register MBean " + taken
                    + ": javax.management.InstanceAlreadyExistsException"), warnings.messages().get(0));
            assertTrue(pair.get(0).pool().isConnected(pair.get(1).address()));
            assertEquals("CONNECTED", nodes.peer(pair.get(1), pair.get(0)).getState());

            pair.get(0).stop();
            assertEquals("another tool", nodes.server.getAttribute(taken, "Owner"), "not unregistered: not ours");
        }
    }

    @Test
    void aFailingMBeanServerIsWarnedAboutAndTheConnectionStaysUp() throws Exception {
        int port = TestNet.freePort(2);
        List<NodeConfig.Builder> configs = TestNet.mesh(1, 2, port);
        MBeanServer broken = (MBeanServer) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {MBeanServer.class}, (proxy, method, args) -> {
                    throw new SecurityException("JMX is locked down");
                });

        try (LogCapture warnings = LogCapture.warnings(MBeanRegistry.class)) {
            Agent low = nodes.agent(configs.get(0).build(), broken);
            Agent high = nodes.agent(configs.get(1).build());
            low.listen();
            high.listen();
            low.start();
            high.start();
            JmxNodes.awaitWhole(List.of(low, high));
            Await.until(Duration.ofSeconds(10), () -> warnings.messages().size() >= 2, "WARNs for both beans");
            assertEquals(List.of(
                    "Cannot register MBean " + JmxNames.pool(low.address())
                            + ": java.lang.SecurityException: JMX is locked down; the node runs on without it",
                    "Cannot register MBean " + JmxNames.peer(low.address(), high.address())
                            + ": java.lang.SecurityException: JMX is locked down; the node runs on without it"),
                    warnings.messages());

            high.control().disconnect(low.address(), "test");
            Await.until(Duration.ofSeconds(10), () -> low.pool().isConnected(high.address())
                    && nodes.peer(high, low).getConnectionId() != 0, "reconnected");
            low.stop();
            assertEquals(2, warnings.messages().size(), "nothing to unregister, nothing more to warn about");
        }
    }

    @Test
    void exposingARunningPoolRegistersItsPeersAtOnceAndClosingRemovesThemAtOnce() throws Exception {
        int port = TestNet.freePort(3);
        List<NodeConfig.Builder> configs = TestNet.mesh(1, 3, port);
        Agent first = nodes.agent(configs.get(0).build(), null);
        Agent second = nodes.agent(configs.get(1).build(), null);
        Agent third = nodes.agent(configs.get(2).build(), null);
        for (Agent a : List.of(first, second, third)) {
            a.listen();
        }
        for (Agent a : List.of(first, second, third)) {
            a.start();
        }
        JmxNodes.awaitWhole(List.of(first, second, third));
        assertEquals(Set.of(), nodes.names());

        JmxExposure exposure = JmxExposure.expose(nodes.server, first.pool(), first.control(), null);
        assertEquals(JmxNodes.beansOf(first, List.of(second, third)), nodes.names());
        assertEquals("CONNECTED", nodes.peer(first, third).getState());

        exposure.close();
        assertEquals(Set.of(), nodes.names());
        // A peer added after close gets no bean: once a later listener saw its ADDED, the exposure's would have too.
        CountDownLatch seen = new CountDownLatch(1);
        NodeAddress newcomer = TestNet.address(9, port);
        first.onPeerEvent(e -> {
            if (e.kind() == PeerEvent.Kind.ADDED && e.peer().equals(newcomer)) {
                seen.countDown();
            }
        });
        first.apply(first.pool().config().toBuilder().addPeer(newcomer).build());
        assertTrue(seen.await(10, TimeUnit.SECONDS));
        assertEquals(Set.of(), nodes.names());
        exposure.close();
    }
}
