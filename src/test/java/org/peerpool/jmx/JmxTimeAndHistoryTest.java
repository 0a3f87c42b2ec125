package org.peerpool.jmx;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.peerpool.Agent;
import org.peerpool.PeerMXBean;
import org.peerpool.config.NodeConfig;
import org.peerpool.pool.ConnectionPool;
import org.peerpool.testing.Await;
import org.peerpool.testing.LogCapture;
import org.peerpool.testing.RawPeer;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.Message;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The time and history attributes of issue 13 over JMX: a raw peer whose clock runs
 * 5 s ahead, the handshake round trip of a dialed connection, and a disconnect in the
 * Peer bean's history and the pool's reason table.
 */
@Timeout(60)
class JmxTimeAndHistoryTest {

    /** Every wait is for something that must happen; generous, as the machine may be loaded. */
    private static final Duration WAIT = Duration.ofSeconds(15);

    private final JmxNodes nodes = new JmxNodes();

    @AfterEach
    void stop() {
        nodes.close();
    }

    @Test
    void aPeerFiveSecondsAheadShowsItsOffsetAndIsWarnedAboutOnce() throws Exception {
        int port = TestNet.freePort(2);
        NodeAddress me = TestNet.address(1, port);
        Agent agent = nodes.agent(NodeConfig.builder(TestNet.ip(2)).port(port).addPeer(me).reverseDialAfterS(0).build());
        agent.start();
        try (LogCapture warnings = LogCapture.warnings(ConnectionPool.class);
             RawPeer peer = RawPeer.connect(TestNet.ip(1), agent.address())) {
            assertTrue(peer.handshakeAs(me).accepted());
            PeerMXBean bean = nodes.peer(agent, me);
            assertEquals(0, bean.getClockOffsetMillis(), "no ANNOUNCE yet");
            // Each offset is the stamp less the arrival, so 5000 less the one-way delay: between 5000 less the
            // time from before the first send to after the last arrival, and 5000 (1 ms either side for the
            // clock's resolution). A loaded machine widens the window; it cannot push the offset out of it.
            long before = System.currentTimeMillis();
            for (int seq = 1; seq <= 7; seq++) {
                peer.send(new Message.Announce(me.toString(), seq, System.currentTimeMillis() + 5000));
            }
            int announces = 7;
            Await.until(WAIT, () -> bean.getMessagesIn() == announces, "the ANNOUNCEs arrived");
            long took = System.currentTimeMillis() - before;
            long offset = bean.getClockOffsetMillis();
            assertTrue(offset >= 5000 - took - 1 && offset <= 5001,
                    "offset " + offset + " ms, expected 5000 less at most " + took + " ms of delay");
            assertEquals(1, warnings.messages().stream().filter(m -> m.contains("Clock of peer " + me)).count(),
                    "one WARN: " + warnings.messages());
            assertTrue(warnings.messages().get(0).contains("ms ahead of this node's"), warnings.messages().get(0));

            // Back in step: after three good stamps the median of five is good, and no further WARN.
            long again = System.currentTimeMillis();
            for (int seq = 8; seq <= 10; seq++) {
                peer.send(new Message.Announce(me.toString(), seq, System.currentTimeMillis()));
            }
            Await.until(WAIT, () -> bean.getMessagesIn() == 10, "the good ANNOUNCEs arrived");
            long tookAgain = System.currentTimeMillis() - again;
            long back = bean.getClockOffsetMillis();
            assertTrue(back >= -tookAgain - 1 && back <= 1,
                    "offset " + back + " ms, expected 0 less at most " + tookAgain + " ms of delay");
            assertEquals(1, warnings.messages().size(), warnings.messages().toString());
            assertEquals(-1, bean.getHandshakeRttMicros(), "an inbound connection has no handshake RTT");
        }
    }

    @Test
    void aStampBeyondTwoToTheSixtyThreeIsNoTime() throws Exception {
        int port = TestNet.freePort(2);
        NodeAddress me = TestNet.address(1, port);
        Agent agent = nodes.agent(NodeConfig.builder(TestNet.ip(2)).port(port).addPeer(me).reverseDialAfterS(0).build());
        agent.start();
        try (LogCapture warnings = LogCapture.warnings(ConnectionPool.class);
             RawPeer peer = RawPeer.connect(TestNet.ip(1), agent.address())) {
            assertTrue(peer.handshakeAs(me).accepted());
            peer.send(new Message.Announce(me.toString(), 1, -1L));
            PeerMXBean bean = nodes.peer(agent, me);
            Await.until(WAIT, () -> bean.getMessagesIn() == 1, "the ANNOUNCE arrived");
            assertEquals(0, bean.getClockOffsetMillis());
            assertEquals(List.of(), warnings.messages());
        }
    }

    @Test
    void aDisconnectIsInTheHistoryAndTheReasonTable() throws Exception {
        List<Agent> pair = nodes.mesh(2, TestNet.freePort(2), b -> b.heartbeatIntervalS(3600).idleTimeoutS(7200));
        JmxNodes.awaitWhole(pair);
        nodes.awaitBeans(pair);
        Agent low = pair.get(0);
        Agent high = pair.get(1);
        PeerMXBean lowSeesHigh = nodes.peer(low, high);
        assertTrue(lowSeesHigh.getHandshakeRttMicros() > 0, "the dialer measured its handshake");
        assertEquals(-1, nodes.peer(high, low).getHandshakeRttMicros(), "the acceptor did not");
        long before = System.currentTimeMillis();
        assertTrue(lowSeesHigh.getLastConnectedMillis() >= before, "connected now: last connected is now");
        assertEquals(0, lowSeesHigh.getDisconnects());

        long id = lowSeesHigh.getConnectionId();
        nodes.pool(low).disconnect(high.address().toString());
        Await.until(WAIT, () -> lowSeesHigh.getConnectionId() != id && lowSeesHigh.getConnectionId() != 0,
                "the initiator reconnected");
        assertEquals(1, lowSeesHigh.getDisconnects());
        String[] recent = lowSeesHigh.getRecentDisconnects();
        assertEquals(1, recent.length);
        assertTrue(recent[0].matches("\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z disconnected by operator \\(connected \\d+ s, OUTBOUND\\)"),
                recent[0]);
        assertEquals(Map.of("disconnected by operator", 1L), nodes.pool(low).getDisconnectReasons());
        assertEquals(2, nodes.pool(low).getConnectionsOpened());
        assertEquals(1, nodes.pool(low).getConnectionsClosed());
        Await.until(WAIT, () -> nodes.pool(high).getDisconnectReasons()
                .equals(Map.of("peer said goodbye: disconnected by operator", 1L)),
                () -> "the other side's reasons: " + nodes.pool(high).getDisconnectReasons());
        assertTrue(nodes.peer(high, low).getRecentDisconnects()[0].endsWith(
                " peer said goodbye: disconnected by operator (connected 0 s, INBOUND)"),
                nodes.peer(high, low).getRecentDisconnects()[0]);
    }
}
