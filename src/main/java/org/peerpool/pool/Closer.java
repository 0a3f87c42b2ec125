package org.peerpool.pool;

import java.util.ArrayList;
import java.util.List;

import org.peerpool.PeerEvent;

/**
 * The one way a connection ends: it records the reason, detaches the connection from
 * its peer (emitting DISCONNECTED and having the planner decide what comes next),
 * then either says GOODBYE and closes gracefully or closes at once. The socket work
 * itself (writing the GOODBYE, closing) runs once the lock is released, as it can
 * complete futures and run their callbacks. Also ends every connection at shutdown.
 * Every method needs the pool's lock.
 */
final class Closer {

    private final PoolState state;
    private final GracefulClose graceful;
    private DialPlanner planner;
    private MeshGossip mesh;

    Closer(PoolState state) {
        this.state = state;
        this.graceful = new GracefulClose(state.timer, state.clock);
    }

    /** Wired after construction: the planner and the closer each need the other. */
    void planner(DialPlanner p) {
        planner = p;
    }

    /** Wired after construction: the mesh view sends through the sender, which needs the closer. */
    void mesh(MeshGossip g) {
        mesh = g;
    }

    /**
     * Ends {@code c}: GOODBYE {@code goodbye} behind what is queued and a graceful close,
     * or a close at once when {@code goodbye} is null. Idempotent: the first reason wins.
     */
    void closeLocked(Connection c, String goodbye, String reason) {
        state.assertLocked();
        if (!c.beginClose(reason)) {
            return;
        }
        PoolState.cancel(c.handshakeTimer);
        if (c.heartbeat != null) {
            c.heartbeat.cancel();
        }
        PoolState.cancel(c.viewTimer);
        state.unidentifiedLocked().remove(c);
        Link l = c.link();
        PeerEntry e = state.entryLocked(c.peer());
        if (e != null) {
            e.ended(c);
        }
        if (e != null && e.current == c) {
            e.current = null;
            e.awaySinceNanos = state.clock.nanoTime();
            mesh.peerGoneLocked(e);
            mesh.connectedSetChangedLocked();
            state.events.emit(PeerEvent.Kind.DISCONNECTED, e.address, c.direction(), reason,
                    "Disconnected from " + e.address + ": " + reason, c);
            if (!e.configured) {
                removeEntryLocked(e, "unlisted peer disconnected");
            } else {
                planner.replanLocked(e, false);
            }
        } else if (e != null && e.attempt == c) {
            e.attempt = null;
            planner.attemptFailedLocked(e, reason);
        }
        if (l == null) {
            return;
        }
        if (goodbye != null) {
            state.afterUnlockLocked(() -> graceful.goodbye(c, l, goodbye));
        } else {
            state.afterUnlockLocked(l::closeNow);
        }
    }

    /** Replaces {@code old}, the peer's connection, by a newer one: GOODBYE {@code superseded}. */
    void supersedeLocked(PeerEntry e, Connection old) {
        state.assertLocked();
        state.counters.superseded.incrementAndGet();
        e.current = null;
        // Detached first, so the close itself emits nothing and plans nothing: the new connection takes over.
        closeLocked(old, "superseded", "superseded");
        state.events.emit(PeerEvent.Kind.DISCONNECTED, e.address, old.direction(), "superseded",
                "Connection with " + e.address + " superseded by a new one", old);
    }

    /** A frame on {@code c} broke the protocol: close at once, count and log it once. */
    void violationLocked(Connection c, String reason) {
        state.assertLocked();
        if (c.isClosing()) {
            return;
        }
        state.counters.protocolViolations.incrementAndGet();
        String who = c.peer() != null ? " (" + c.peer() + ")" : "";
        state.poolLog.warnRepeatedLocked("violation", c.link() == null ? null : c.link().remoteAddress(),
                "Protocol violation from {}" + who + ": " + reason + "; connection closed");
        closeLocked(c, null, "protocol violation: " + reason);
    }

    /** Answers a rejected HANDSHAKE's ACK, then closes once it is written. */
    void rejectLocked(Connection c, String reason) {
        state.assertLocked();
        c.beginClose("rejected: " + reason);
        Link l = c.link();
        state.afterUnlockLocked(() -> graceful.afterFlush(l));
    }

    /**
     * Ends this node's dial in progress to {@code e}, if any, without counting it as a
     * failed attempt; the planner then decides what comes next (a caller that wants a
     * redial without the backoff wait asks for it after this).
     */
    void abandonAttemptLocked(PeerEntry e, String goodbye, String reason) {
        state.assertLocked();
        Connection attempt = e.attempt;
        e.attempt = null;
        if (attempt != null) {
            closeLocked(attempt, goodbye, reason);
            planner.replanLocked(e, false);
        }
    }

    void removeEntryLocked(PeerEntry e, String reason) {
        state.assertLocked();
        if (state.removeEntryLocked(e)) {
            mesh.changedLocked();
            state.events.emit(PeerEvent.Kind.REMOVED, e.address, null, reason, null);
        }
    }

    /**
     * Closes every connection with GOODBYE {@code shutting down}. Returns the links still
     * closing, so the caller can wait for their GOODBYEs to flush.
     */
    List<Link> shutdownLocked() {
        state.assertLocked();
        List<Link> closing = new ArrayList<>();
        for (PeerEntry e : new ArrayList<>(state.peersLocked().values())) {
            planner.cancelTimersLocked(e);
            collect(closing, e.current);
            collect(closing, e.attempt);
            if (e.current != null) {
                closeLocked(e.current, "shutting down", "shutting down");
            }
            // Once its HANDSHAKE is out the responder may already count the connection as up: say why it ends.
            Connection attempt = e.attempt;
            boolean handshakeSent = attempt != null && attempt.link() != null && !attempt.link().tlsPending();
            abandonAttemptLocked(e, handshakeSent ? "shutting down" : null, "shutting down");
        }
        for (Connection c : state.unidentifiedLocked().all()) {
            collect(closing, c);
            closeLocked(c, null, "shutting down");
        }
        return closing;
    }

    private static void collect(List<Link> out, Connection c) {
        if (c != null && c.link() != null) {
            out.add(c.link());
        }
    }
}
