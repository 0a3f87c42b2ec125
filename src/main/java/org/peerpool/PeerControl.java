package org.peerpool;

import org.peerpool.wire.NodeAddress;

/**
 * The operator's two actions on a peer, as JMX and the command-line tools offer them.
 * The pool decides what they mean: a disconnect is reconnected by the pair's rules,
 * a connect only skips the backoff wait of the initiator.
 */
public interface PeerControl {

    /** Closes the connection with {@code peer} with GOODBYE {@code why}; false when not connected. */
    boolean disconnect(NodeAddress peer, String why);

    /** Dials {@code peer} now, skipping any backoff wait; false when this node is not dialing it now. */
    boolean connectNow(NodeAddress peer);
}
