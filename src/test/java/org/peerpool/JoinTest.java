package org.peerpool;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.peerpool.config.NodeConfig;
import org.peerpool.pool.ConnectionPool;
import org.peerpool.pool.PeerSnapshot;
import org.peerpool.testing.Await;
import org.peerpool.testing.LogCapture;
import org.peerpool.testing.RawPeer;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.Message;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node joining a mesh whose lower peers already dial it, with the production
 * reconnect timings: it is reached by all of them within a second of listening, no
 * connection accepted while it starts fails its handshake, and its peers log no warning
 * about it.
 */
@Timeout(60)
class JoinTest {

    private static final long REGISTER_MS = 100;

    private final List<Agent> agents = new ArrayList<>();

    @AfterEach
    void stopAll() {
        agents.forEach(Agent::stop);
    }

    /** Production timings (reconnect_min_ms 1000, reconnect_max_ms 60000), not the tests' fast ones. */
    private static List<NodeConfig> mesh(int n, int port) {
        List<NodeAddress> all = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            all.add(TestNet.address(i, port));
        }
        List<NodeConfig> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            out.add(NodeConfig.builder(TestNet.ip(i)).port(port).peers(all).build());
        }
        return out;
    }

    private Agent agent(NodeConfig c) {
        Agent a = Agent.builder(c).ioThreads(1).mbeanServer(MBeanServerFactory.newMBeanServer()).build();
        agents.add(a);
        return a;
    }

    /**
     * An agent whose JMX server takes {@code REGISTER_MS} per bean, as registering
     * MXBeans does in a JVM that has not loaded the JMX classes yet: starting takes that
     * long, and no peer may suffer for it.
     */
    private Agent slowStartingAgent(NodeConfig c) {
        MBeanServer real = MBeanServerFactory.newMBeanServer();
        MBeanServer slow = (MBeanServer) Proxy.newProxyInstance(MBeanServer.class.getClassLoader(),
                new Class<?>[] {MBeanServer.class}, (proxy, method, args) -> {
                    if (method.getName().equals("registerMBean")) {
                        Thread.sleep(REGISTER_MS);
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        Agent a = Agent.builder(c).ioThreads(1).mbeanServer(slow).build();
        agents.add(a);
        return a;
    }

    @Test
    void aNodeLaunchedWhileItsLowerPeersDialItIsReachedByAllWithinASecondOfListening() throws Exception {
        int port = TestNet.freePort(4);
        List<NodeConfig> configs = mesh(4, port);
        NodeAddress joining = configs.get(3).self();
        List<Agent> lower = new ArrayList<>();
        LogCapture warnings = LogCapture.warnings(ConnectionPool.class);
        for (int i = 0; i < 3; i++) {
            Agent a = agent(configs.get(i));
            a.start();
            lower.add(a);
        }
        // Every lower peer has been refused at least once: they are dialing a node that is not there yet.
        Await.until(Duration.ofSeconds(5), () -> lower.stream().allMatch(a -> failedAttempts(a, joining) >= 1),
                () -> "lower peers' failed attempts: " + lower.stream().map(a -> failedAttempts(a, joining)).toList());

        Agent node = slowStartingAgent(configs.get(3));
        long listening = System.nanoTime();
        node.start();
        Await.until(Duration.ofMillis(1000).minusNanos(System.nanoTime() - listening),
                () -> node.pool().connectionCount() == 3,
                () -> joining + " connected to " + node.pool().connectedPeers() + " "
                        + (System.nanoTime() - listening) / 1_000_000 + " ms after it started listening");

        warnings.close();
        assertEquals(List.of(), warnings.messages().stream().filter(m -> m.contains(joining.toString())).toList(),
                "a peer that was only starting is not worth a warning");
        assertEquals(0, node.pool().handshakeFailures(), "handshakes failed at the joining node");
        for (Agent a : lower) {
            PeerSnapshot s = a.pool().snapshot(joining).orElseThrow();
            assertEquals(0, a.pool().handshakeFailures(), a.address() + " saw a failed handshake");
            assertFalse(s.lastError().contains("closed during handshake"), a.address() + ": " + s.lastError());
        }
    }

    @Test
    void aConnectionAcceptedTheMomentTheNodeListensIsAnswered() throws Exception {
        int port = TestNet.freePort(2);
        List<NodeConfig> configs = mesh(2, port);
        NodeAddress lowerPeer = configs.get(0).self();
        NodeAddress node = configs.get(1).self();
        // Dials as fast as it can until the port opens, then plays the lower peer's HANDSHAKE.
        CompletableFuture<Message> answer = CompletableFuture.supplyAsync(() -> {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline) {
                try (RawPeer p = RawPeer.connect(lowerPeer.ip(), node)) {
                    p.send(new Message.Handshake(1, lowerPeer.toString(), null));
                    Message m = p.read();
                    return m == null ? new Message.Goodbye("closed without an answer") : m;
                } catch (ConnectException refused) {
                    Thread.onSpinWait();
                } catch (IOException e) {
                    return new Message.Goodbye(e.toString());
                }
            }
            return new Message.Goodbye("never listened");
        });
        slowStartingAgent(configs.get(1)).listen();
        Message m = answer.get(15, TimeUnit.SECONDS);
        assertInstanceOf(Message.HandshakeAck.class, m, "the first connection accepted got " + m);
    }

    @Test
    void aPeerThatStaysDownIsRetriedQuicklyAtFirstAndThenOnBackoffsSchedule() {
        int port = TestNet.freePort(2);
        List<NodeConfig> configs = mesh(2, port);
        NodeAddress down = configs.get(1).self();
        Agent a = agent(configs.get(0));
        long started = System.nanoTime();
        try {
            a.start();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        // The first dial and five quick retries (50 + 100 + 200 + 400 + 800 ms, each up to 20% more).
        Await.until(Duration.ofMillis(2500), () -> failedAttempts(a, down) >= 6,
                () -> failedAttempts(a, down) + " failed attempts to " + down + " in "
                        + (System.nanoTime() - started) / 1_000_000 + " ms");
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;
        assertTrue(a.pool().connectAttempts() <= 8, a.pool().connectAttempts() + " attempts in " + elapsedMs
                + " ms: more than the schedule allows (the rest of the schedule is BackoffTest's)");
    }

    private static int failedAttempts(Agent a, NodeAddress peer) {
        return a.pool().snapshot(peer).map(PeerSnapshot::failedAttempts).orElse(0);
    }
}
