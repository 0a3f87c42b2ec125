package org.peerpool.pool;

/**
 * Judges every pair again when this node's own address changed (PROTOCOL.md section 6).
 * Every connection is closed with GOODBYE {@code direction changed} and re-established
 * by the direction rule from the new address: the peer identified each one by the old
 * address, so one kept because its direction still holds would be the peer's link with
 * an address this node no longer has, while the peer's entry for the new address waits
 * for a dial this node refuses (the simulator found such pairs stuck for good). Every
 * dial in flight starts over, and the planner sets up each peer by the new rule. Every
 * method needs the pool's lock.
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
            if (c != null) {
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
