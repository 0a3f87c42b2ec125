package org.peerpool.pool;

import org.peerpool.wire.NodeAddress;

/**
 * Opens outbound TCP connections for the pool. The result comes back later, on
 * another thread, as {@link TransportEvents#onDialConnected} or
 * {@link TransportEvents#onDialFailed} for the same {@code attempt}.
 */
public interface Dialer {

    void dial(NodeAddress peer, Connection attempt);
}
