package org.peerpool;

import org.peerpool.wire.NodeAddress;

/**
 * A message to one peer that was not written: the peer is not connected, its send
 * queue is full, or the connection failed before the bytes left. The message says
 * which peer and why; nothing is dropped without one of these.
 */
public final class SendFailedException extends RuntimeException {

    private final transient NodeAddress peer;

    public SendFailedException(NodeAddress peer, String reason) {
        super(peer + ": " + reason);
        this.peer = peer;
    }

    public SendFailedException(NodeAddress peer, String reason, Throwable cause) {
        super(peer + ": " + reason, cause);
        this.peer = peer;
    }

    public NodeAddress peer() {
        return peer;
    }
}
