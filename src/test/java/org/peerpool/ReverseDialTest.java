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
import org.peerpool.pool.PeerSnapshot;
import org.peerpool.testing.Await;
import org.peerpool.testing.PairChecker;
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
        PairChecker probe = PairChecker.start(List.copyOf(agents), 500);
        lower.start();
        higher.start();

        Await.until(Duration.ofSeconds(10), () -> lower.pool().isConnected(high) && higher.pool().isConnected(low),
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
        Await.until(Duration.ofSeconds(10), () -> lower.pool().snapshot(high).map(s ->
                        s.direction() == Direction.OUTBOUND).orElse(false)
                        && higher.pool().snapshot(low).map(s -> s.direction() == Direction.INBOUND).orElse(false),
                () -> "canonical connection did not take over: " + lower.pool().snapshot(high) + " / " + higher.pool().snapshot(low));
        Await.until(Duration.ofSeconds(5), () -> {
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
                .map(b -> b.reverseDialAfterS(0).reconnectMinMs(100).reconnectMaxMs(200).build()).toList();
        Agent lower = Agent.builder(cfg.get(0)).ioThreads(1).dialGate(a -> !a.equals(high)).build();
        Agent higher = Agent.builder(cfg.get(1)).ioThreads(1).build();
        agents.add(lower);
        agents.add(higher);
        lower.start();
        higher.start();
        Await.until(Duration.ofSeconds(5), () -> lower.pool().connectAttempts() >= 5, "lower keeps dialing");
        assertEquals(0, higher.pool().connectAttempts(), "the higher node never dials when reverse dial is off");
        assertEquals(0, higher.pool().connectionCount());
    }
}
