package org.peerpool.jmx;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.peerpool.Agent;
import org.peerpool.ConnectionPoolMXBean;
import org.peerpool.PeerMXBean;
import org.peerpool.config.NodeConfig;
import org.peerpool.testing.Await;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The operator's operations: disconnect closes one connection and the initiator
 * restores it, whichever side asked; connectNow cuts a long backoff short; bad input
 * is an error that says what was expected.
 */
@Timeout(60)
class JmxOperationsTest {

    private final JmxNodes nodes = new JmxNodes();

    @AfterEach
    void stop() {
        nodes.close();
    }

    @Test
    void disconnectClosesTheConnectionAndTheInitiatorRestoresIt() throws Exception {
        List<Agent> pair = nodes.mesh(2, TestNet.freePort(2));
        JmxNodes.awaitWhole(pair);
        nodes.awaitBeans(pair);
        Agent low = pair.get(0);
        Agent high = pair.get(1);

        // Asked on the initiator: it closes and redials.
        String said = nodes.pool(low).disconnect(high.address().toString());
        assertEquals("Disconnected from " + high.address() + "; this node redials it after its backoff delay", said);
        awaitNewConnection(pair, nodes.peer(low, high).getConnectionId(), nodes.peer(high, low).getConnectionId(), said);

        // Asked on the responder: the initiator hears GOODBYE and redials.
        long lowId = nodes.peer(low, high).getConnectionId();
        long highId = nodes.peer(high, low).getConnectionId();
        said = nodes.pool(high).disconnect(low.address().toString());
        assertEquals("Disconnected from " + low.address() + "; " + low.address()
                + " is the initiator and redials by its own rules", said);
        awaitNewConnection(pair, lowId, highId, said);

        // Asked on a Peer bean, with the port left out as in the config.
        lowId = nodes.peer(low, high).getConnectionId();
        highId = nodes.peer(high, low).getConnectionId();
        said = nodes.peer(low, high).disconnect();
        assertTrue(said.startsWith("Disconnected from " + high.address()), said);
        awaitNewConnection(pair, lowId, highId, said);
        lowId = nodes.peer(low, high).getConnectionId();
        highId = nodes.peer(high, low).getConnectionId();
        said = nodes.pool(low).disconnect("127.0.0.2");
        assertTrue(said.startsWith("Disconnected from " + high.address()), said);
        awaitNewConnection(pair, lowId, highId, said);

        assertEquals(0, nodes.pool(low).getHandshakeFailures());
    }

    /** Both ends report a connection other than the ones they had. */
    private void awaitNewConnection(List<Agent> pair, long lowWas, long highWas, String after) {
        PeerMXBean lowSide = nodes.peer(pair.get(0), pair.get(1));
        PeerMXBean highSide = nodes.peer(pair.get(1), pair.get(0));
        Await.until(Duration.ofSeconds(10), () -> "CONNECTED".equals(lowSide.getState())
                        && "CONNECTED".equals(highSide.getState())
                        && lowSide.getConnectionId() != lowWas && highSide.getConnectionId() != highWas,
                () -> "reconnected after '" + after + "': " + lowSide.getState() + "/" + highSide.getState());
    }

    @Test
    void connectNowSkipsARunningBackoff() throws Exception {
        int port = TestNet.freePort(2);
        List<NodeConfig.Builder> configs = TestNet.mesh(1, 2, port);
        // A backoff far longer than the test may wait.
        Agent low = nodes.agent(configs.get(0).reconnectMinMs(50_000).reconnectMaxMs(60_000).build());
        low.start();
        NodeAddress highAddress = TestNet.address(2, port);
        nodes.awaitBeans(JmxNodes.beansOf(low.address(), List.of(highAddress)));
        PeerMXBean peer = nodes.peer(low, highAddress);
        Await.until(Duration.ofSeconds(10), () -> "BACKOFF".equals(peer.getState()), () -> "BACKOFF, is " + peer.getState());
        assertEquals(1, peer.getFailedAttempts());
        assertTrue(peer.getLastError().startsWith("connect failed"), peer.getLastError());
        ConnectionPoolMXBean pool = nodes.pool(low);
        assertEquals(List.of(highAddress.toString()), List.of(pool.getDisconnectedPeers()));

        Agent high = nodes.agent(configs.get(1).build());
        high.start();
        assertEquals("Dialing " + highAddress + " now", pool.connectNow(highAddress.toString()));
        Await.until(Duration.ofSeconds(10), () -> "CONNECTED".equals(peer.getState()),
                () -> "connected long before the backoff ran out, is " + peer.getState());
        assertEquals(0, peer.getFailedAttempts());
        assertEquals("Nothing to do: " + highAddress + " is CONNECTED", pool.connectNow(highAddress.toString()));
        assertEquals("Nothing to do: " + low.address() + " has the lower address, so it dials this node",
                nodes.pool(high).connectNow(low.address().toString()));
        assertEquals("Nothing to do: " + low.address() + " has the lower address, so it dials this node",
                nodes.peer(high, low).connectNow());
    }

    @Test
    void badInputIsAnErrorThatSaysWhatWasExpected() throws Exception {
        int port = TestNet.freePort(3);
        Agent low = nodes.agent(TestNet.mesh(1, 2, port).get(0).build());
        low.listen();
        ConnectionPoolMXBean pool = nodes.pool(low);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pool.disconnect("node-2"));
        assertTrue(e.getMessage().startsWith("peer: 'node-2'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> pool.connectNow(""));
        assertEquals("peer: empty address (expected IP:PORT)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> pool.disconnect("127.0.0.3:" + port));
        assertEquals("peer: 127.0.0.3:" + port + " is not a peer of " + low.address() + " (see ConfiguredPeers)",
                e.getMessage());

        assertEquals("Not connected to 127.0.0.2:" + port + " (AWAITING_INBOUND); nothing to close",
                pool.disconnect("127.0.0.2:" + port));
    }
}
