package org.peerpool.pool;

import org.peerpool.PeerEvent.Direction;

/**
 * Judges every pair again by the direction rule when this node's own address changed
 * (PROTOCOL.md section 6): a connection whose initiator would now be the other side is
 * closed with GOODBYE {@code direction changed}, every dial in flight starts over, and
 * the planner sets up each peer by the new rule. Every method needs the pool's lock.
 */
final class DirectionJudge {

    private final PoolState state;
    private final Closer closer;
    private final DialPlanner planner;

    DirectionJudge(PoolState state, Closer closer, DialPlanner planner) {
        this.state = state;
        this.closer = closer;
        this.planner = planner;
    }

    void rejudgeLocked() {
        state.assertLocked();
        for (PeerEntry e : state.peersLocked().values().toArray(new PeerEntry[0])) {
            Connection c = e.current;
            if (c == null) {
                continue;
            }
            boolean initiatedHere = c.direction() == Direction.OUTBOUND;
            boolean reverseNow = initiatedHere != state.initiator(e.address);
            if (reverseNow != c.isReverse()) {
                closer.closeLocked(c, "direction changed", "direction changed: " + state.self() + " now "
                        + (state.initiator(e.address) ? "initiates" : "accepts") + " for " + e.address);
            }
        }
        // A dial in flight was judged by the old address; start over by the new rule.
        for (PeerEntry e : state.peersLocked().values().toArray(new PeerEntry[0])) {
            closer.abandonAttemptLocked(e, null, "this node's address changed");
            planner.cancelTimersLocked(e);
            e.awaySinceNanos = state.clock.nanoTime();
            planner.replanLocked(e, true);
        }
    }
}
