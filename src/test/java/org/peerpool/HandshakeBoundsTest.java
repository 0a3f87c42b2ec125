package org.peerpool;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.management.JMX;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.peerpool.config.NodeConfig;
import org.peerpool.jmx.JmxNames;
import org.peerpool.pool.ConnectionPool;
import org.peerpool.testing.Await;
import org.peerpool.testing.LogCapture;
import org.peerpool.testing.RawPeer;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.Message;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bounds on unauthenticated work (issue 7): connections still waiting for their
 * HANDSHAKE are limited per source IP ({@code max_handshaking_per_ip}: the newcomer is
 * refused) and in total ({@code max_handshaking}: the oldest waiter goes), both
 * reloadable; refusals are counted over JMX and logged once per source, with whatever
 * a stranger sent escaped.
 */
@Timeout(60)
class HandshakeBoundsTest {

    /** Every wait is for something that must happen; generous, as the machine may be loaded. */
    private static final Duration WAIT = Duration.ofSeconds(15);
    /** Longer than any test here, so every close seen is the bounds' doing, not the handshake timer's. */
    private static final int HANDSHAKE_TIMEOUT_MS = 120_000;

    private final List<Agent> agents = new ArrayList<>();
    private final List<Socket> sockets = new ArrayList<>();

    @AfterEach
    void tearDown() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        agents.forEach(Agent::stop);
    }

    private Agent start(NodeConfig.Builder b) throws IOException {
        Agent a = Agent.builder(b.handshakeTimeoutMs(HANDSHAKE_TIMEOUT_MS).reverseDialAfterS(0).build())
                .ioThreads(1).build();
        agents.add(a);
        a.start();
        return a;
    }

    /** Opens an idle connection from {@code source} and waits until the agent has admitted or refused it. */
    private Socket idle(Agent agent, InetAddress source) throws IOException {
        long seen = agent.pool().handshakingInbound() + agent.pool().handshakesRefused();
        Socket s = new Socket();
        sockets.add(s);
        s.bind(new InetSocketAddress(source, 0));
        s.connect(agent.address().toSocketAddress(), (int) WAIT.toMillis());
        Await.until(WAIT, () -> agent.pool().handshakingInbound() + agent.pool().handshakesRefused() > seen,
                "the agent took the connection from " + source);
        return s;
    }

    /** True once the agent has closed {@code s}; false if it is still open after {@link #WAIT}. */
    private static boolean closed(Socket s) throws IOException {
        return closedWithin(s, (int) WAIT.toMillis());
    }

    /**
     * False if {@code s} is still open: checked only after a later close by the agent was
     * seen (the marker), so a close of {@code s} the agent decided before it has already
     * arrived; this looks at what is there, it does not wait for anything not to happen.
     */
    private static boolean stillOpen(Socket s) throws IOException {
        return !closedWithin(s, 10);
    }

    /** True if the agent closed {@code s} within {@code ms}, false if it is still open after that. */
    private static boolean closedWithin(Socket s, int ms) throws IOException {
        s.setSoTimeout(ms);
        InputStream in = s.getInputStream();
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true;
        }
    }

    private static long linesAbout(LogCapture log, Agent agent, String ip) {
        return log.messages().stream().filter(m -> m.startsWith(agent.address() + " - ") && m.contains("/" + ip + ":")).count();
    }

    @Test
    void aSourceIpGetsAtMostMaxHandshakingPerIpWaitingAndIsLoggedOnce() throws Exception {
        int port = TestNet.freePort(5);
        Agent agent = start(TestNet.fast(NodeConfig.builder(TestNet.ip(5)).port(port)));
        assertEquals(8, agent.pool().config().maxHandshakingPerIp(), "the default");
        InetAddress flooder = TestNet.ip(60 << 8 | 1);
        try (LogCapture log = LogCapture.warnings(ConnectionPool.class)) {
            List<Socket> conns = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                conns.add(idle(agent, flooder));
            }
            assertEquals(8, agent.pool().handshakingInbound(), "eight wait");
            assertEquals(4, agent.pool().handshakesRefused(), "the rest are refused");
            // The refused ones first: their closes are the markers for the others.
            for (int i = 8; i < 12; i++) {
                assertTrue(closed(conns.get(i)), "connection " + i + " refused at once");
            }
            for (int i = 0; i < 8; i++) {
                assertTrue(stillOpen(conns.get(i)), "connection " + i + " still waiting");
            }
            // Another source is not affected by this one's bound.
            idle(agent, TestNet.ip(60 << 8 | 2));
            assertEquals(9, agent.pool().handshakingInbound());
            assertEquals(1, linesAbout(log, agent, "127.0.60.1"), () -> "one WARN for the source: " + log.messages());
        }
        ConnectionPoolMXBean bean = JMX.newMXBeanProxy(java.lang.management.ManagementFactory.getPlatformMBeanServer(),
                JmxNames.pool(agent.address()), ConnectionPoolMXBean.class);
        assertEquals(4, bean.getHandshakesRefused(), "HandshakesRefused over JMX");
        assertEquals(9, bean.getHandshakingInbound(), "HandshakingInbound over JMX");
    }

    @Test
    void pastMaxHandshakingTheOldestWaiterGoesAndARealPeerStillGetsIn() throws Exception {
        int port = TestNet.freePort(5);
        NodeAddress real = TestNet.address(3, port);
        Agent agent = start(TestNet.fast(NodeConfig.builder(TestNet.ip(5)).port(port)).addPeer(real).maxHandshaking(10));
        List<Socket> conns = new ArrayList<>();
        for (int i = 1; i <= 15; i++) {
            conns.add(idle(agent, TestNet.ip(61 << 8 | i)));
        }
        assertEquals(10, agent.pool().handshakingInbound());
        assertEquals(5, agent.pool().handshakesRefused());
        // The dropped ones first: the last of them went when the last connection came, so their closes
        // are the markers for the others.
        for (int i = 0; i < 5; i++) {
            assertTrue(closed(conns.get(i)), "connection " + i + " (among the oldest) dropped");
        }
        for (int i = 5; i < 15; i++) {
            assertTrue(stillOpen(conns.get(i)), "connection " + i + " still waiting");
        }
        try (RawPeer peer = RawPeer.connect(TestNet.ip(3), agent.address())) {
            assertTrue(peer.handshakeAs(real).accepted(), "a real peer gets in while the table is full");
            Await.until(WAIT, () -> agent.pool().isConnected(real), "connected");
            assertEquals(6, agent.pool().handshakesRefused(), "it made room by dropping the oldest waiter");
            assertTrue(closed(conns.get(5)), "the oldest waiter was the one dropped");
        }
    }

    @Test
    void aListedPeersConnectionOutlastsAStrangersFlood() throws Exception {
        int port = TestNet.freePort(5);
        NodeAddress real = TestNet.address(3, port);
        Agent agent = start(TestNet.fast(NodeConfig.builder(TestNet.ip(5)).port(port)).addPeer(real).maxHandshaking(4));
        // The peer's connection is the oldest waiter (a slow TLS handshake, say) when the flood comes.
        try (RawPeer peer = RawPeer.connect(TestNet.ip(3), agent.address())) {
            Await.until(WAIT, () -> agent.pool().handshakingInbound() == 1, "the peer's connection waits");
            List<Socket> flood = new ArrayList<>();
            for (int i = 1; i <= 10; i++) {
                flood.add(idle(agent, TestNet.ip(64 << 8 | i)));
            }
            assertEquals(4, agent.pool().handshakingInbound());
            assertEquals(7, agent.pool().handshakesRefused(), "strangers made room for each other");
            assertTrue(closed(flood.get(0)), "the oldest stranger was dropped");
            assertTrue(peer.handshakeAs(real).accepted(), "the listed peer's older connection was kept and completes");
            Await.until(WAIT, () -> agent.pool().isConnected(real), "connected");
        }
    }

    @Test
    void bothBoundsAreLiveOnReload() throws Exception {
        int port = TestNet.freePort(5);
        Agent agent = start(TestNet.fast(NodeConfig.builder(TestNet.ip(5)).port(port)));
        agent.apply(agent.pool().config().toBuilder().maxHandshakingPerIp(2).maxHandshaking(5).build());
        for (int i = 0; i < 4; i++) {
            idle(agent, TestNet.ip(62 << 8 | 1));
        }
        assertEquals(2, agent.pool().handshakingInbound(), "the new per-IP bound applies to the next connection");
        assertEquals(2, agent.pool().handshakesRefused());
        for (int i = 2; i <= 5; i++) {
            idle(agent, TestNet.ip(62 << 8 | i));
        }
        assertEquals(5, agent.pool().handshakingInbound(), "the new total bound applies too");
        assertEquals(3, agent.pool().handshakesRefused());
    }

    @Test
    void whatAStrangerSentIsEscapedInTheLog() throws Exception {
        int port = TestNet.freePort(5);
        Agent agent = start(TestNet.fast(NodeConfig.builder(TestNet.ip(5)).port(port)));
        try (LogCapture log = LogCapture.warnings(ConnectionPool.class);
             RawPeer stranger = RawPeer.connect(TestNet.ip(63 << 8 | 2), agent.address())) {
            stranger.send(new Message.Handshake(1, "127.0.63.2:1\n00:00:00.000 ERROR [main] Agent forged\r"));
            Message m = stranger.read();
            assertTrue(m instanceof Message.HandshakeAck a && !a.accepted(), "rejected: " + m);
            Await.until(WAIT, () -> linesAbout(log, agent, "127.0.63.2") == 1, () -> "" + log.messages());
            String line = log.messages().stream().filter(x -> x.contains("127.0.63.2:1")).findFirst().orElseThrow();
            assertFalse(line.contains("\n") || line.contains("\r"), line);
            assertTrue(line.contains("127.0.63.2:1\\n00:00:00.000 ERROR [main] Agent forged\\r"), line);
        }
    }
}
