package org.peerpool.pool;

import org.peerpool.wire.NodeAddress;

/**
 * Opens outbound TCP connections for the pool. The result comes back later, on
 * another thread, as {@link ConnectionPool#onDialConnected} or
 * {@link ConnectionPool#onDialFailed} for the same {@code attempt}.
 */
public interface Dialer {

    void dial(NodeAddress peer, Connection attempt);
}
