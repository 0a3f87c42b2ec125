package org.peerpool.pool;

import java.util.concurrent.ScheduledFuture;

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
     * The last connection this node closed with GOODBYE, until its socket is closed: no
     * new dial while the peer may still be reading what was sent before the GOODBYE.
     */
    Link closing;
    /** The next dial, waiting out its backoff delay. */
    ScheduledFuture<?> retry;
    /** The check that starts a reverse dial once the peer has been away long enough. */
    ScheduledFuture<?> reverseTimer;
    /** Consecutive failed dials since the last handshake that succeeded. */
    int failedAttempts;
    String lastError = "";
    /** When this node last had no connection with the peer start (nanoTime). */
    long awaySinceNanos = System.nanoTime();
    /** The refused quick retries at the start of this run of failures, logged at DEBUG only. */
    int quietFailures;
    /** Failures not yet logged one by one, for the periodic summary. */
    int unloggedFailures;
    long lastFailureLogNanos;

    PeerEntry(NodeAddress address, boolean configured) {
        this.address = address;
        this.configured = configured;
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
}
