package org.peerpool;

import java.time.Instant;

import org.peerpool.wire.NodeAddress;

/**
 * A change in one peer's connection as the pool saw it: connected (with the
 * direction this node sees) or disconnected (with the reason an operator should
 * read: a GOODBYE reason received, an idle timeout, a write failure, superseded,
 * removed from the config, ...). Delivered in the order they happened.
 */
public record PeerEvent(Kind kind, NodeAddress peer, Direction direction, String reason, Instant at) {

    /** What happened to the peer's connection. */
    public enum Kind { CONNECTED, DISCONNECTED }

    /** Who dialed, seen from this node. */
    public enum Direction { INBOUND, OUTBOUND }
}
