package org.peerpool;

import java.time.Instant;

import org.peerpool.wire.NodeAddress;

/**
 * A change in one peer as the pool saw it: the peer's entry added or removed (it
 * joined or left the peer list, or an unlisted peer admitted by
 * {@code accept_unknown_peers} came or went), or its connection up (with the
 * direction this node sees) or down (with the reason an operator should read: a
 * GOODBYE reason received, an idle timeout, a write failure, superseded, removed
 * from the config, ...). Delivered in the order they happened; for any one peer,
 * ADDED comes first and REMOVED last.
 */
public record PeerEvent(Kind kind, NodeAddress peer, Direction direction, String reason, Instant at) {

    /** What happened to the peer's connection. */
    public enum Kind { ADDED, CONNECTED, DISCONNECTED, REMOVED }

    /** Who dialed, seen from this node. */
    public enum Direction { INBOUND, OUTBOUND }
}
