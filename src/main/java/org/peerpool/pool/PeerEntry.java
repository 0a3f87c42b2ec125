package org.peerpool.pool;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;

import org.peerpool.PeerSnapshot;
import org.peerpool.PeerState;
import org.peerpool.wire.NodeAddress;

/**
 * Everything the pool knows about one peer. Mutable, and touched only under the
 * pool's lock: this is the single place a peer's state lives.
 */
final class PeerEntry {

    final NodeAddress address;
    /** In the peer list; false for an unlisted peer admitted by {@code accept_unknown_peers}. */
    boolean configured;
    /** The one established connection, or null. */
    Connection current;
    /** An outbound dial in progress (TCP connect or handshake), or null. */
    Connection attempt;
    /**
     * Connections with the peer that ended here but whose sockets may still be open (a
     * GOODBYE being read, a close not yet done, a dropped dial still connecting): no new
     * dial while any is, so the pair never has two sockets at once.
     */
    private final List<Connection> ending = new ArrayList<>(1);
    /**
     * The peer has connected over TLS with a key matching one of its pins since those
     * pins last changed: under {@code optional}, plaintext claiming it is refused.
     */
    boolean pinnedTlsSeen;
    /**
     * The peers this peer said it holds connections with, in its last VIEW on the current
     * connection (only addresses this node knows), or null: none yet, or not connected.
     */
    Set<NodeAddress> view;
    /** The connection and epoch that {@link #view} came with, to skip a reordered older one. */
    long viewConnectionId;
    long viewEpoch;
    /** The next dial, waiting out its backoff delay. */
    ScheduledFuture<?> retry;
    /** The check that starts a reverse dial once the peer has been away long enough. */
    ScheduledFuture<?> reverseTimer;
    /** Consecutive failed dials since the last handshake that succeeded. */
    int failedAttempts;
    String lastError = "";
    /** When this node last had no connection with the peer start (nanoTime). */
    long awaySinceNanos;
    /** The refused quick retries at the start of this run of failures, logged at DEBUG only. */
    int quietFailures;
    /** When a settings change last redialed this peer without the backoff wait (nanoTime; 0: never). */
    long lastResettleNanos;
    /** Failures not yet logged one by one, for the periodic summary. */
    int unloggedFailures;
    long lastFailureLogNanos;

    PeerEntry(NodeAddress address, boolean configured, long nowNanos) {
        this.address = address;
        this.awaySinceNanos = nowNanos;
        this.configured = configured;
    }

    /** Remembers {@code c}, which just ended, until its socket is closed. */
    void ended(Connection c) {
        if (c.socketMayBeOpen() && !ending.contains(c)) {
            ending.add(c);
        }
    }

    /** Takes over the sockets still closing of {@code before}, a removed entry for the same address. */
    void adoptEnding(PeerEntry before) {
        for (Connection c : before.ending) {
            ended(c);
        }
    }

    /** True while a socket of a connection that ended here may still be open. */
    boolean socketsOpenLocked() {
        ending.removeIf(c -> !c.socketMayBeOpen());
        return !ending.isEmpty();
    }

    PeerState state() {
        if (current != null) {
            return PeerState.CONNECTED;
        }
        if (attempt != null) {
            return attempt.link() == null ? PeerState.CONNECTING : PeerState.HANDSHAKING;
        }
        if (retry != null) {
            return PeerState.BACKOFF;
        }
        return PeerState.AWAITING_INBOUND;
    }

    /** What JMX, tests and logs see of this peer; taken under the pool's lock. */
    PeerSnapshot snapshot() {
        Connection c = current;
        if (c == null) {
            return new PeerSnapshot(address, configured, state(), null, false, 0, null, -1, 0, 0, 0, 0, 0,
                    "", "", "", -1, failedAttempts, lastError, -1, "", "");
        }
        Link l = c.link();
        var security = l.security();
        var announce = c.lastAnnounce();
        return new PeerSnapshot(address, configured, PeerState.CONNECTED, c.direction(), c.isReverse(), c.id(),
                c.connectedSince(), c.lastMessageAgeMillis(), c.messagesIn(), c.messagesOut(), l.bytesIn(),
                l.bytesOut(), l.queuedBytes(), String.valueOf(l.localAddress()), String.valueOf(l.remoteAddress()),
                c.observedIp() == null ? "" : c.observedIp(), announce == null ? -1 : announce.sequence(),
                failedAttempts, lastError, c.handshakeRttMicros(), security.describe(), security.peerPinText());
    }
}
