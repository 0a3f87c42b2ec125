package org.peerpool.pool;

import org.peerpool.PeerEvent.Direction;
import org.peerpool.config.NodeConfig;
import org.peerpool.wire.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool's side of {@link TransportEvents}: each socket event taken under the pool's
 * lock and handed to the collaborator whose job it is. Established traffic (PAYLOAD,
 * ANNOUNCE) takes no lock at all.
 */
final class TransportCallbacks implements TransportEvents {

    private static final Logger log = LoggerFactory.getLogger(ConnectionPool.class);

    private final PoolState state;
    private final Handshakes handshakes;
    private final Closer closer;
    private final DialPlanner planner;
    private final ClockOffsetTracker clocks;
    private final MeshGossip mesh;

    TransportCallbacks(PoolState state, Handshakes handshakes, Closer closer, DialPlanner planner, ClockOffsetTracker clocks,
                       MeshGossip mesh) {
        this.mesh = mesh;
        this.state = state;
        this.handshakes = handshakes;
        this.closer = closer;
        this.planner = planner;
        this.clocks = clocks;
    }

    @Override
    public NodeConfig config() {
        return state.config();
    }

    @Override
    public void onDialConnected(Connection attempt, Link link) {
        state.locked(() -> handshakes.dialConnectedLocked(attempt, link));
    }

    @Override
    public void onDialFailed(Connection attempt, Throwable cause) {
        state.locked(() -> {
            attempt.beginClose("connect failed");
            attempt.dialSettled();
            PeerEntry e = state.entryLocked(attempt.peer());
            if (e != null && e.attempt == attempt) {
                e.attempt = null;
                planner.attemptFailedLocked(e, "connect failed: " + describe(cause));
            }
        });
    }

    @Override
    public Connection onAccepted(Link link) {
        NodeConfig cfg = state.config();
        Connection c = new Connection(Direction.INBOUND, null, cfg.maxFrameBytes(), cfg.maxPendingBytes(),
                state.clock);
        c.attach(link);
        state.locked(() -> handshakes.acceptedLocked(c));
        return c;
    }

    @Override
    public void onMessage(Connection c, Message m) {
        if (!c.isEstablished()) {
            state.locked(() -> handshakes.firstFrameLocked(c, m));
            return;
        }
        if (m instanceof Message.Handshake || m instanceof Message.HandshakeAck) {
            onViolation(c, (m instanceof Message.Handshake ? "HANDSHAKE" : "HANDSHAKE_ACK") + " after the handshake");
            return;
        }
        c.received(m);
        if (m instanceof Message.Announce a && c.enterDelivery()) {
            // Gated like a payload: once the close began, the peer's REMOVED may already be out, and a late
            // ANNOUNCE must not bring its clock entry back.
            try {
                clocks.announced(c.peer(), a.timestampMs(), state.clock.wallMillis());
            } finally {
                c.exitDelivery();
            }
        }
        if (m instanceof Message.Payload p) {
            state.events.deliver(c, p);
        } else if (m instanceof Message.View v) {
            mesh.received(c, v);
        } else if (m instanceof Message.Goodbye g) {
            state.locked(() -> {
                closer.closeLocked(c, null, "peer said goodbye: " + LogText.printable(g.reason()));
                PeerEntry e = state.entryLocked(c.peer());
                if (e != null && g.reason().startsWith(SecurityJudge.GOODBYE)) {
                    // The peer judged this link by new settings; its initiator re-forms it once the socket is closed.
                    planner.resettleLocked(e);
                }
            });
        } else if (m instanceof Message.Unknown u) {
            state.counters.unknownMessages.incrementAndGet();
            log.debug("{} - Ignored a frame of unknown type 0x{} from {}", state.self(), Integer.toHexString(u.type()),
                    c.peer());
        }
    }

    @Override
    public void onViolation(Connection c, String reason) {
        state.locked(() -> closer.violationLocked(c, reason));
    }

    @Override
    public void onIdle(Connection c) {
        state.locked(() -> {
            if (c.isEstablished()) {
                closer.closeLocked(c, "idle timeout", "idle timeout: nothing received for "
                        + c.readIdleSeconds(state.config().idleTimeoutS()) + " s");
            }
        });
    }

    @Override
    public void onError(Connection c, Throwable cause) {
        state.locked(() -> closer.closeLocked(c, null, "I/O error: " + describe(cause)));
    }

    @Override
    public void onClosed(Connection c) {
        state.locked(() -> closer.closeLocked(c, null,
                c.isEstablished() ? "connection closed by peer" : "closed during handshake"));
    }

    @Override
    public boolean onTlsOffered(Connection c) {
        return state.locked(() -> handshakes.tlsOfferedLocked(c));
    }

    @Override
    public void onSecured(Connection c) {
        state.locked(() -> handshakes.securedLocked(c));
    }

    @Override
    public void onKeyMismatch(Connection c, String reason) {
        state.locked(() -> {
            state.counters.keyMismatches.incrementAndGet();
            state.counters.handshakeFailures.incrementAndGet();
            closer.closeLocked(c, null, reason);
        });
    }

    private static String describe(Throwable t) {
        if (t == null) {
            return "unknown error";
        }
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }
}
