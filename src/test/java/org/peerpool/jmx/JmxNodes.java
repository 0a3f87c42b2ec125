package org.peerpool.jmx;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

import org.peerpool.Agent;
import org.peerpool.ConnectionPoolMXBean;
import org.peerpool.PeerMXBean;
import org.peerpool.config.NodeConfig;
import org.peerpool.testing.Await;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.NodeAddress;

/**
 * Agents on 127.0.0.x that share one private MBeanServer (so no test sees another's
 * beans), typed proxies of their beans, and the names that should exist.
 */
final class JmxNodes implements AutoCloseable {

    static final ObjectName ALL = name("peerpool:*");

    final MBeanServer server = MBeanServerFactory.newMBeanServer();
    private final List<Agent> agents = new ArrayList<>();

    /** An agent registering its beans in {@link #server}; stopped at close. */
    Agent agent(NodeConfig config) {
        return agent(config, server);
    }

    /** An agent registering its beans in {@code mbeanServer} (none if null); stopped at close. */
    Agent agent(NodeConfig config, MBeanServer mbeanServer) {
        Agent a = Agent.builder(config).ioThreads(1).mbeanServer(mbeanServer).build();
        agents.add(a);
        return a;
    }

    /** Nodes 127.0.0.1..n on {@code port}, all listening before any starts dialing. */
    List<Agent> mesh(int n, int port, UnaryOperator<NodeConfig.Builder> tweak) throws IOException {
        List<Agent> mesh = new ArrayList<>();
        for (NodeConfig.Builder b : TestNet.mesh(1, n, port)) {
            Agent a = agent(tweak.apply(b).build());
            a.listen();
            mesh.add(a);
        }
        for (Agent a : mesh) {
            a.start();
        }
        return mesh;
    }

    List<Agent> mesh(int n, int port) throws IOException {
        return mesh(n, port, b -> b);
    }

    static void awaitWhole(List<Agent> mesh) {
        int others = mesh.size() - 1;
        Await.until(Duration.ofSeconds(10), () -> mesh.stream().allMatch(a -> a.pool().connectionCount() == others),
                () -> "mesh not whole: " + mesh.stream().map(a -> a.pool().connectionCount()).toList());
    }

    /** Waits until the peerpool beans in {@link #server} are exactly {@code expected}. */
    void awaitBeans(Set<ObjectName> expected) {
        Await.until(Duration.ofSeconds(10), () -> names().equals(expected),
                () -> "beans: expected " + expected + ", have " + names());
    }

    /** Waits for the mesh's beans: each node's pool bean and a Peer bean per other node. */
    void awaitBeans(List<Agent> mesh) {
        Set<ObjectName> expected = new HashSet<>();
        mesh.forEach(a -> expected.addAll(beansOf(a, mesh)));
        awaitBeans(expected);
    }

    ConnectionPoolMXBean pool(Agent a) {
        return JMX.newMXBeanProxy(server, JmxNames.pool(a.address()), ConnectionPoolMXBean.class, true);
    }

    PeerMXBean peer(Agent a, NodeAddress peer) {
        return JMX.newMXBeanProxy(server, JmxNames.peer(a.address(), peer), PeerMXBean.class);
    }

    PeerMXBean peer(Agent a, Agent peer) {
        return peer(a, peer.address());
    }

    /** Every peerpool bean in {@link #server}. */
    Set<ObjectName> names() {
        return server.queryNames(ALL, null);
    }

    /** The beans a node should have: its pool bean and one Peer bean per listed peer. */
    static Set<ObjectName> beansOf(NodeAddress node, List<NodeAddress> peers) {
        Set<ObjectName> out = new HashSet<>();
        out.add(JmxNames.pool(node));
        for (NodeAddress p : peers) {
            out.add(JmxNames.peer(node, p));
        }
        return out;
    }

    static Set<ObjectName> beansOf(Agent a, List<Agent> peers) {
        return beansOf(a.address(), peers.stream().filter(p -> p != a).map(Agent::address).toList());
    }

    static ObjectName name(String text) {
        try {
            return new ObjectName(text);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    @Override
    public void close() {
        agents.forEach(Agent::stop);
    }
}
