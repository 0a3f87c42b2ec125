package org.peerpool.pool;

import org.junit.jupiter.api.Test;
import org.peerpool.PeerEvent.Direction;
import org.peerpool.wire.Message;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A peer's limits group (PROTOCOL.md section 3) sets how long its connection may stay
 * silent, but a peer cannot announce its way out of the idle timeout.
 */
class PeerLimitsTest {

    private static Connection establishedWith(Message.Limits limits) {
        Connection c = new Connection(Direction.INBOUND, null, 4_194_304, 16_777_216, PoolClock.SYSTEM);
        c.markEstablished(null, limits, 20_000);
        return c;
    }

    @Test
    void aHugeHeartbeatCountsAsTenMinutes() {
        Connection c = establishedWith(new Message.Limits(4096, 0xFFFF_FFFFL));
        assertEquals(600_000, c.peerHeartbeatMs());
        assertEquals(1800, c.readIdleSeconds(60), "three capped heartbeats, not three of 49 days");
    }

    @Test
    void anOrdinaryHeartbeatIsHonoured() {
        Connection c = establishedWith(new Message.Limits(4096, 30_000));
        assertEquals(30_000, c.peerHeartbeatMs());
        assertEquals(90, c.readIdleSeconds(60));
        assertEquals(60, establishedWith(new Message.Limits(4096, 5_000)).readIdleSeconds(60));
    }

    @Test
    void withoutLimitsTheOwnIntervalApplies() {
        assertEquals(20_000, establishedWith(null).peerHeartbeatMs());
    }
}
