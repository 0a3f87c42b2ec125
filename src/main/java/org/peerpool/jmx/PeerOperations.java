package org.peerpool.jmx;

import org.peerpool.PeerControl;
import org.peerpool.PoolView;
import org.peerpool.PeerSnapshot;
import org.peerpool.wire.NodeAddress;

/**
 * The operator's two actions on a peer, shared by the ConnectionPool and Peer beans:
 * the pool decides and acts, this only reads the operator's text and answers in words
 * what happened, since JConsole shows the returned String in a dialog. Bad input is
 * an {@link IllegalArgumentException}, which JConsole shows as an error.
 */
final class PeerOperations {

    /** The GOODBYE reason the peer receives, and the disconnect reason this node reports. */
    static final String OPERATOR_REASON = "disconnected by operator";

    private final PoolView pool;
    private final PeerControl control;

    PeerOperations(PoolView pool, PeerControl control) {
        this.pool = pool;
        this.control = control;
    }

    /** Parses an operator's peer address; a missing port means this node's port, as in the config. */
    NodeAddress parse(String text) {
        NodeAddress peer;
        try {
            peer = NodeAddress.parse(text, pool.config().port());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("peer: " + e.getMessage());
        }
        if (pool.snapshot(peer).isEmpty()) {
            throw new IllegalArgumentException("peer: " + peer + " is not a peer of " + pool.self()
                    + " (see ConfiguredPeers)");
        }
        return peer;
    }

    String disconnect(NodeAddress peer) {
        if (!control.disconnect(peer, OPERATOR_REASON)) {
            return "Not connected to " + peer + " (" + state(peer) + "); nothing to close";
        }
        return "Disconnected from " + peer + "; " + (pool.initiates(peer)
                ? "this node redials it after its backoff delay"
                : peer + " is the initiator and redials by its own rules");
    }

    String connectNow(NodeAddress peer) {
        if (!pool.initiates(peer)) {
            return "Nothing to do: " + peer + " has the lower address, so it dials this node";
        }
        if (!control.connectNow(peer)) {
            return "Nothing to do: " + peer + " is " + state(peer);
        }
        return "Dialing " + peer + " now";
    }

    private String state(NodeAddress peer) {
        return pool.snapshot(peer).map(PeerSnapshot::state).map(Enum::name).orElse("no longer a peer");
    }
}
