package org.peerpool;

import org.peerpool.wire.NodeAddress;

/**
 * A message to one peer that was not written: the peer is not connected, its send
 * queue is full, or the connection failed before the bytes left. The message says
 * which peer and why; nothing is dropped without one of these. It carries no stack
 * trace: it reports an outcome (it completes a send's future), not a fault in the code
 * that made it, and a node whose peer went away makes many of them.
 */
public final class SendFailedException extends RuntimeException {

    private final transient NodeAddress peer;

    public SendFailedException(NodeAddress peer, String reason) {
        super(peer + ": " + reason, null, true, false);
        this.peer = peer;
    }

    public SendFailedException(NodeAddress peer, String reason, Throwable cause) {
        super(peer + ": " + reason, cause, true, false);
        this.peer = peer;
    }

    public NodeAddress peer() {
        return peer;
    }
}
