package org.peerpool;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.peerpool.PeerEvent.Direction;
import org.peerpool.config.NodeConfig;
import org.peerpool.PeerSnapshot;
import org.peerpool.testing.Await;
import org.peerpool.testing.PairChecker;
import org.peerpool.testing.RawPeer;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PROTOCOL.md section 6: when the lower node cannot reach the higher one (a firewall
 * in front of the higher node), the higher node dials in reverse after
 * {@code reverse_dial_after_s}; once the lower node's dials get through again, its
 * canonical connection supersedes the reverse one. The pair never holds two.
 */
@Timeout(60)
class ReverseDialTest {

    /** Every wait is for something that must happen; generous, as the machine may be loaded. */
    private static final Duration WAIT = Duration.ofSeconds(15);
    /**
     * How long the two ends may hold different connections while one supersedes the
     * other: milliseconds, but a loaded machine can stall a node's threads for over a
     * second; a pair left split stays split far longer.
     */
    private static final long PAIR_TOLERANCE_MS = 5000;

    private final List<Agent> agents = new ArrayList<>();

    @AfterEach
    void stopAll() {
        agents.forEach(Agent::stop);
    }

    @Test
    void higherNodeDialsInReverseAndTheCanonicalConnectionTakesOverWhenItCan() throws Exception {
        int port = TestNet.freePort(2);
        NodeAddress low = TestNet.address(1, port);
        NodeAddress high = TestNet.address(2, port);
        List<NodeConfig> cfg = TestNet.mesh(1, 2, port).stream()
                .map(b -> b.reverseDialAfterS(1).reconnectMinMs(200).reconnectMaxMs(400).build()).toList();
        AtomicBoolean firewall = new AtomicBoolean(true);
        Agent lower = Agent.builder(cfg.get(0)).ioThreads(1).dialGate(a -> !(firewall.get() && a.equals(high))).build();
        Agent higher = Agent.builder(cfg.get(1)).ioThreads(1).build();
        agents.add(lower);
        agents.add(higher);
        PairChecker probe = PairChecker.start(List.copyOf(agents), PAIR_TOLERANCE_MS);
        lower.start();
        higher.start();

        Await.until(WAIT, () -> lower.pool().isConnected(high) && higher.pool().isConnected(low),
                "reverse connection up");
        PeerSnapshot reverseAtHigh = higher.pool().snapshot(low).orElseThrow();
        PeerSnapshot reverseAtLow = lower.pool().snapshot(high).orElseThrow();
        assertEquals(Direction.OUTBOUND, reverseAtHigh.direction(), "the higher node dialed");
        assertTrue(reverseAtHigh.reverse(), "marked reverse at the higher node");
        assertEquals(Direction.INBOUND, reverseAtLow.direction());
        assertTrue(reverseAtLow.reverse(), "marked reverse at the lower node");
        assertEquals(1, higher.pool().connectionCount());
        assertTrue(lower.pool().connectAttempts() >= 2, "the lower node kept trying its canonical dial");

        firewall.set(false);
        Await.until(WAIT, () -> lower.pool().snapshot(high).map(s ->
                        s.direction() == Direction.OUTBOUND).orElse(false)
                        && higher.pool().snapshot(low).map(s -> s.direction() == Direction.INBOUND).orElse(false),
                () -> "canonical connection did not take over: " + lower.pool().snapshot(high) + " / " + higher.pool().snapshot(low));
        Await.until(WAIT, () -> {
            var l = lower.pool().snapshot(high).orElseThrow();
            var h = higher.pool().snapshot(low).orElseThrow();
            return l.localSocket().equals(h.remoteSocket());
        }, "both ends on the same canonical socket");
        assertTrue(higher.pool().superseded() + lower.pool().superseded() >= 1, "the reverse connection was superseded");
        probe.close();
        assertEquals(List.of(), probe.problems());
        assertEquals(1, lower.pool().connectionCount());
        assertEquals(1, higher.pool().connectionCount());
    }

    @Test
    void zeroTurnsReverseDialOff() throws Exception {
        int port = TestNet.freePort(2);
        NodeAddress high = TestNet.address(2, port);
        List<NodeConfig> cfg = TestNet.mesh(1, 2, port).stream()
                .map(b -> b.reverseDialAfterS(0).reconnectMinMs(100).reconnectMaxMs(200).handshakeTimeoutMs(2000).build())
                .toList();
        Agent lower = Agent.builder(cfg.get(0)).ioThreads(1).dialGate(a -> !a.equals(high)).build();
        Agent higher = Agent.builder(cfg.get(1)).ioThreads(1).build();
        agents.add(lower);
        agents.add(higher);
        lower.start();
        higher.start();
        Await.until(WAIT, () -> lower.pool().connectAttempts() >= 5, "lower keeps dialing");
        // The marker: a silent connection to the higher node, closed by its handshake timer (2 s). The node's
        // one timer thread runs that after any reverse dial armed at its start for less than that, so such a
        // dial has been made by the time the socket closes; no wait for the wrong dial not to happen.
        try (RawPeer silent = RawPeer.connect(TestNet.ip(9), higher.address())) {
            assertTrue(silent.awaitClosed(WAIT), "the silent connection outlived its handshake timeout");
        }
        Await.until(WAIT, () -> higher.pool().handshakeFailures() == 1, "the silent connection's timeout counted");
        assertEquals(0, higher.pool().connectAttempts(), "the higher node never dials when reverse dial is off");
        assertEquals(0, higher.pool().connectionCount());
    }
}
