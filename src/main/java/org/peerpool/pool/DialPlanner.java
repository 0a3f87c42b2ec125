package org.peerpool.pool;

import java.util.concurrent.TimeUnit;

import org.peerpool.PeerEvent.Direction;
import org.peerpool.config.NodeConfig;
import org.peerpool.wire.NodeAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides when this node dials: the initiator of a pair dials now or after its
 * backoff delay, the responder waits and arms its reverse dial (PROTOCOL.md section
 * 6), a failed attempt is counted and retried. Every method needs the pool's lock.
 */
final class DialPlanner {

    private static final Logger log = LoggerFactory.getLogger(ConnectionPool.class);
    /** How often a redial checks whether the peer has finished reading the last GOODBYE. */
    private static final long CLOSING_POLL_MS = 20;

    private final PoolState state;
    private final Closer closer;

    DialPlanner(PoolState state, Closer closer) {
        this.state = state;
        this.closer = closer;
    }

    /**
     * Sets up what should happen next for a peer with no usable connection: the
     * initiator dials (now or after backoff), the responder waits and arms its reverse
     * dial. {@code now} dials at once instead of after a backoff delay.
     */
    void planLocked(PeerEntry e, boolean now) {
        state.assertLocked();
        if (!state.dialingLocked() || !e.configured || e.attempt != null) {
            return;
        }
        if (state.initiator(e.address)) {
            boolean canonicalUp = e.current != null && !e.current.isReverse();
            if (canonicalUp || e.retry != null) {
                return;
            }
            if (now) {
                dialLocked(e, false);
            } else {
                scheduleRetryLocked(e);
            }
        } else if (e.current == null && e.retry == null) {
            armReverseLocked(e);
        }
    }

    private void armReverseLocked(PeerEntry e) {
        PoolState.cancel(e.reverseTimer);
        e.reverseTimer = null;
        int after = state.config().reverseDialAfterS();
        if (after <= 0) {
            return;
        }
        long waitNanos = e.awaySinceNanos + TimeUnit.SECONDS.toNanos(after) - System.nanoTime();
        e.reverseTimer = state.scheduleLocked(() -> {
            if (state.entryLocked(e.address) == e) {
                e.reverseTimer = null;
                if (wantsReverseDialLocked(e)) {
                    state.afterUnlockLocked(() -> log.info("{} - No connection from {} for {} s; dialing it in reverse",
                            state.self(), e.address, after));
                    dialLocked(e, true);
                }
            }
        }, Math.max(0, waitNanos), TimeUnit.NANOSECONDS);
    }

    private boolean wantsReverseDialLocked(PeerEntry e) {
        int after = state.config().reverseDialAfterS();
        return state.dialingLocked() && e.configured && after > 0 && e.current == null && e.attempt == null
                && !state.initiator(e.address)
                && System.nanoTime() - e.awaySinceNanos >= TimeUnit.SECONDS.toNanos(after);
    }

    /** Whether this node should dial {@code e} now, had it the chance. */
    boolean wantsDialLocked(PeerEntry e) {
        state.assertLocked();
        if (!state.dialingLocked() || !e.configured || e.attempt != null) {
            return false;
        }
        if (state.initiator(e.address)) {
            return e.current == null || e.current.isReverse();
        }
        return wantsReverseDialLocked(e);
    }

    private void scheduleRetryLocked(PeerEntry e) {
        if (e.retry != null) {
            return;
        }
        NodeConfig cfg = state.config();
        scheduleRetryLocked(e, Backoff.delayMs(e.failedAttempts, e.lastError, cfg.reconnectMinMs(),
                cfg.reconnectMaxMs()));
    }

    private void scheduleRetryLocked(PeerEntry e, long delayMs) {
        e.retry = state.scheduleLocked(() -> {
            if (state.entryLocked(e.address) != e) {
                return;
            }
            e.retry = null;
            if (wantsDialLocked(e)) {
                dialLocked(e, !state.initiator(e.address));
            } else if (!state.initiator(e.address) && e.current == null) {
                armReverseLocked(e);
            }
        }, delayMs, TimeUnit.MILLISECONDS);
    }

    /** Dials {@code e} now (the dial itself starts outside the lock). */
    void dialLocked(PeerEntry e, boolean reverse) {
        state.assertLocked();
        PoolState.cancel(e.retry);
        e.retry = null;
        if (e.closing != null && e.closing.isOpen()) {
            // The peer is still reading up to our GOODBYE; a new connection now would supersede that one mid-read.
            scheduleRetryLocked(e, CLOSING_POLL_MS);
            return;
        }
        e.closing = null;
        NodeConfig cfg = state.config();
        Connection c = new Connection(Direction.OUTBOUND, e.address, cfg.maxFrameBytes(), cfg.maxPendingBytes());
        c.identify(e.address, reverse);
        e.attempt = c;
        state.counters.connectAttempts.incrementAndGet();
        Dialer d = state.dialerLocked();
        // A dialer may report a failure on the calling thread, which then takes the lock itself.
        state.afterUnlockLocked(() -> d.dial(e.address, c));
    }

    /** A dial of {@code e} failed: count it, and retry at the backoff pace while it is still wanted. */
    void attemptFailedLocked(PeerEntry e, String reason) {
        state.assertLocked();
        e.failedAttempts++;
        e.lastError = reason;
        if (!state.dialingLocked() || !e.configured) {
            return;
        }
        state.poolLog.dialFailedLocked(e, reason);
        if (state.initiator(e.address) ? wantsDialLocked(e) : e.current == null) {
            // A failed reverse dial is retried at the same backoff pace while the peer stays away.
            scheduleRetryLocked(e);
        }
    }

    /**
     * Dials {@code peer} at once, without a backoff wait, when this node is its
     * initiator and has no connection: a link closed to be re-formed on new settings.
     */
    void redialNowLocked(NodeAddress peer) {
        state.assertLocked();
        PeerEntry e = state.entryLocked(peer);
        if (e != null && state.initiator(peer) && e.current == null && e.attempt == null) {
            PoolState.cancel(e.retry);
            e.retry = null;
            planLocked(e, true);
        }
    }

    /** Stops the peer's pending redial and reverse-dial check. */
    void cancelTimersLocked(PeerEntry e) {
        state.assertLocked();
        PoolState.cancel(e.retry);
        PoolState.cancel(e.reverseTimer);
        e.retry = null;
        e.reverseTimer = null;
    }

    /**
     * This node's own address changed: every pair is judged again by the direction
     * rule. A connection whose initiator would now be the other side is closed with
     * GOODBYE {@code direction changed}; every dial in flight starts over.
     */
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
            cancelTimersLocked(e);
            e.awaySinceNanos = System.nanoTime();
            planLocked(e, true);
        }
    }
}
