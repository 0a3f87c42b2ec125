package org.peerpool.pool;

import java.util.concurrent.TimeUnit;

import org.peerpool.PeerEvent.Direction;
import org.peerpool.config.NodeConfig;
import org.peerpool.wire.NodeAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides when this node dials (PROTOCOL.md section 6). One step, {@link #replanLocked},
 * derives a peer's timers from its state alone and runs after everything that can change
 * it: a close, a dropped, failed or thrown dial, a handshake, a re-judge, a reload. So a
 * peer that is not connected always has exactly one reason to change that: a dial in
 * flight, a retry armed, a reverse-dial check armed, or (a responder with reverse dials
 * off) the lower peer's own dial. A dial never starts while a socket this node had with
 * the peer is still open: the pair never has two sockets at once. Every method needs the
 * pool's lock.
 */
final class DialPlanner {

    private static final Logger log = LoggerFactory.getLogger(ConnectionPool.class);
    /** How often a due dial checks whether the last socket with the peer has closed. */
    static final long CLOSING_POLL_MS = 20;
    /** A peer's settings-driven redials skip the backoff wait at most once in this time. */
    static final long RESETTLE_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final PoolState state;

    DialPlanner(PoolState state) {
        this.state = state;
    }

    /**
     * Sets up what happens next for {@code e} from its state: an initiator without its
     * canonical connection dials after its backoff delay ({@code now}: at once), a
     * responder without a connection arms its reverse-dial check, and a peer that needs
     * neither has its timers cancelled. Idempotent: a timer already armed stays.
     */
    void replanLocked(PeerEntry e, boolean now) {
        state.assertLocked();
        if (!state.dialingLocked() || !e.configured || state.entryLocked(e.address) != e) {
            cancelTimersLocked(e);
            return;
        }
        if (e.attempt != null) {
            // The dial in flight is the reason; its end plans again.
            cancelTimersLocked(e);
            return;
        }
        if (state.initiator(e.address)) {
            cancelReverseLocked(e);
            boolean canonicalUp = e.current != null && !e.current.isReverse();
            if (canonicalUp) {
                cancelRetryLocked(e);
            } else if (now) {
                dialLocked(e, false);
            } else if (e.retry == null) {
                scheduleRetryLocked(e, backoffMs(e));
            }
            return;
        }
        if (e.current != null || state.config().reverseDialAfterS() <= 0) {
            cancelTimersLocked(e);
        } else if (e.retry == null && e.reverseTimer == null) {
            if (e.failedAttempts > 0 && wantsReverseDialLocked(e)) {
                // A reverse dial failed: the next goes at the backoff pace, like any retry.
                scheduleRetryLocked(e, backoffMs(e));
            } else {
                armReverseLocked(e);
            }
        }
    }

    /**
     * A connection of {@code e} was closed or dropped because the settings changed: its
     * initiator dials again without the backoff wait, at most once a minute per peer, so
     * a peer saying {@code security changed} over and over cannot drive a redial loop.
     */
    void resettleLocked(PeerEntry e) {
        state.assertLocked();
        long nowNanos = state.clock.nanoTime();
        boolean skipWait = state.initiator(e.address) && (e.lastResettleNanos == 0
                || nowNanos - e.lastResettleNanos >= RESETTLE_EVERY_NANOS);
        if (skipWait && e.attempt == null && (e.current == null || e.current.isReverse())) {
            e.lastResettleNanos = nowNanos;
            cancelRetryLocked(e);
        }
        replanLocked(e, skipWait);
    }

    /** Whether this node would dial {@code e} now, had it the chance. */
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

    private void armReverseLocked(PeerEntry e) {
        int after = state.config().reverseDialAfterS();
        long waitNanos = e.awaySinceNanos + TimeUnit.SECONDS.toNanos(after) - state.clock.nanoTime();
        e.reverseTimer = state.scheduleLocked(() -> {
            if (state.entryLocked(e.address) != e) {
                return;
            }
            e.reverseTimer = null;
            if (wantsReverseDialLocked(e)) {
                state.afterUnlockLocked(() -> log.info("{} - No connection from {} for {} s; dialing it in reverse",
                        state.self(), e.address, after));
                dialLocked(e, true);
            } else {
                replanLocked(e, false);
            }
        }, Math.max(0, waitNanos), TimeUnit.NANOSECONDS);
    }

    private boolean wantsReverseDialLocked(PeerEntry e) {
        int after = state.config().reverseDialAfterS();
        return state.dialingLocked() && e.configured && after > 0 && e.current == null && e.attempt == null
                && !state.initiator(e.address)
                && state.clock.nanoTime() - e.awaySinceNanos >= TimeUnit.SECONDS.toNanos(after);
    }

    private long backoffMs(PeerEntry e) {
        NodeConfig cfg = state.config();
        return Backoff.delayMs(e.failedAttempts, e.lastError, cfg.reconnectMinMs(), cfg.reconnectMaxMs(),
                state.clock.random());
    }

    private void scheduleRetryLocked(PeerEntry e, long delayMs) {
        cancelRetryLocked(e);
        e.retry = state.scheduleLocked(() -> {
            if (state.entryLocked(e.address) != e) {
                return;
            }
            e.retry = null;
            if (wantsDialLocked(e)) {
                dialLocked(e, !state.initiator(e.address));
            } else {
                replanLocked(e, false);
            }
        }, delayMs, TimeUnit.MILLISECONDS);
    }

    /**
     * Dials {@code e} now (the dial itself starts outside the lock), or, while a socket
     * this node had with the peer is still open, as soon as it has closed: the peer may
     * still be reading up to a GOODBYE, and a second socket for the pair must not exist.
     */
    void dialLocked(PeerEntry e, boolean reverse) {
        state.assertLocked();
        cancelTimersLocked(e);
        if (e.socketsOpenLocked()) {
            scheduleRetryLocked(e, CLOSING_POLL_MS);
            return;
        }
        NodeConfig cfg = state.config();
        Connection c = new Connection(Direction.OUTBOUND, e.address, cfg.maxFrameBytes(), cfg.maxPendingBytes(),
                state.clock);
        c.identify(e.address, reverse);
        e.attempt = c;
        state.counters.connectAttempts.incrementAndGet();
        Dialer d = state.dialerLocked();
        // A dialer may report a failure on the calling thread, which then takes the lock itself.
        state.afterUnlockLocked(() -> {
            // Dropped in the same locked section that planned it (a re-judge): never dialed,
            // so no socket appears beside one that is still closing.
            if (!state.locked(() -> startsLocked(c))) {
                return;
            }
            try {
                d.dial(e.address, c);
            } catch (RuntimeException thrown) {
                // Nothing else will report on this attempt: without this the peer would stay CONNECTING for good.
                state.locked(() -> dialThrewLocked(e, c, thrown));
            }
        });
    }

    private static boolean startsLocked(Connection c) {
        if (c.isClosing()) {
            c.dialSettled();
            return false;
        }
        return true;
    }

    private void dialThrewLocked(PeerEntry e, Connection c, RuntimeException thrown) {
        c.dialSettled();
        c.beginClose("dial failed");
        String m = thrown.getMessage();
        String reason = "dial failed: " + (m == null || m.isBlank() ? thrown.getClass().getSimpleName() : m);
        NodeAddress self = state.self();
        state.afterUnlockLocked(() -> log.warn("{} - Dialing {} failed before any connect: {}", self, e.address,
                reason, thrown));
        if (e.attempt == c) {
            e.attempt = null;
            attemptFailedLocked(e, reason);
        }
    }

    /** A dial of {@code e} failed: count it, and plan the next at the backoff pace while it is still wanted. */
    void attemptFailedLocked(PeerEntry e, String reason) {
        state.assertLocked();
        e.failedAttempts++;
        e.lastError = reason;
        if (state.dialingLocked() && e.configured) {
            state.poolLog.dialFailedLocked(e, reason);
        }
        replanLocked(e, false);
    }

    /** Stops the peer's pending redial and reverse-dial check. */
    void cancelTimersLocked(PeerEntry e) {
        state.assertLocked();
        cancelRetryLocked(e);
        cancelReverseLocked(e);
    }

    private static void cancelRetryLocked(PeerEntry e) {
        PoolState.cancel(e.retry);
        e.retry = null;
    }

    private static void cancelReverseLocked(PeerEntry e) {
        PoolState.cancel(e.reverseTimer);
        e.reverseTimer = null;
    }
}
