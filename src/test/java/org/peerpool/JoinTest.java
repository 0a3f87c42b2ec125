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
import org.peerpool.PeerSnapshot;
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
 * reconnect timings: it is reached by all of them on their quick retries, no connection
 * accepted while it starts fails its handshake, and its peers log no warning about it.
 * How soon after listening (within a second) is a timing target, measured by the
 * benchmark ({@code -Pbench}, figure "mesh", {@code JoinLatency}), not bounded here: the
 * waits are generous, as the machine may be loaded.
 */
@Timeout(60)
class JoinTest {

    private static final long REGISTER_MS = 100;
    /** Every wait is for something that must happen; generous, as the machine may be loaded. */
    private static final Duration WAIT = Duration.ofSeconds(15);

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
    void aNodeLaunchedWhileItsLowerPeersDialItIsReachedByAllOfThem() throws Exception {
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
        Await.until(WAIT, () -> lower.stream().allMatch(a -> failedAttempts(a, joining) >= 1),
                () -> "lower peers' failed attempts: " + lower.stream().map(a -> failedAttempts(a, joining)).toList());

        Agent node = slowStartingAgent(configs.get(3));
        long listening = System.nanoTime();
        node.start();
        Await.until(WAIT, () -> node.pool().connectionCount() == 3,
                () -> joining + " connected to " + node.pool().connectedPeers() + " "
                        + (System.nanoTime() - listening) / 1_000_000 + " ms after it started listening");
        System.out.printf("join: reached by all 3 lower peers %d ms after it started listening%n",
                (System.nanoTime() - listening) / 1_000_000);

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

    /** A {@code reconnect_min_ms} longer than {@link #WAIT}: a steady pace could not make a second dial within it. */
    private static final int SLOW_MIN_MS = 30_000;

    /**
     * The fewest milliseconds in which {@code n} dials to a peer that refuses them can
     * be made: the first at once, five quick retries each at least 80% of 50, 100, 200,
     * 400 and 800 ms after the one before, then {@link #SLOW_MIN_MS} apart. A loaded
     * machine only makes dials later than this.
     */
    private static long fastestMsFor(int n) {
        long[] quick = {40, 80, 160, 320, 640};
        long ms = 0;
        for (int i = 1; i < n; i++) {
            ms += i <= quick.length ? quick[i - 1] : SLOW_MIN_MS;
        }
        return ms;
    }

    @Test
    void aPeerThatStaysDownIsRetriedQuicklyAtFirstAndThenOnBackoffsSchedule() {
        int port = TestNet.freePort(2);
        List<NodeConfig> configs = mesh(2, port);
        NodeAddress down = configs.get(1).self();
        // reconnect_min_ms far above the quick retries (which stay at 50 .. 800 ms): six dials within WAIT are
        // the quick retries' doing, however slow the machine, as the steady pace allows one dial in that time.
        Agent a = agent(configs.get(0).toBuilder().reconnectMinMs(SLOW_MIN_MS).reconnectMaxMs(2 * SLOW_MIN_MS).build());
        long started = System.nanoTime();
        try {
            a.start();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Await.until(WAIT, () -> failedAttempts(a, down) >= 6,
                () -> failedAttempts(a, down) + " failed attempts to " + down + " in "
                        + (System.nanoTime() - started) / 1_000_000 + " ms: the first retries were not quick");
        long attempts = a.pool().connectAttempts();
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("backoff: %d dials, 6 of them failed, %d ms after the start%n", attempts, elapsedMs);
        // However slow the machine, the agent cannot have dialed more often than the schedule allows.
        int allowed = 1;
        while (fastestMsFor(allowed + 1) <= elapsedMs) {
            allowed++;
        }
        assertTrue(attempts <= allowed, attempts + " attempts in " + elapsedMs
                + " ms: more than the schedule allows (the rest of the schedule is BackoffTest's)");
    }

    private static int failedAttempts(Agent a, NodeAddress peer) {
        return a.pool().snapshot(peer).map(PeerSnapshot::failedAttempts).orElse(0);
    }
}
