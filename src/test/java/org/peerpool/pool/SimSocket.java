package org.peerpool.pool;

import org.peerpool.wire.NodeAddress;

/**
 * One simulated TCP connection between two nodes: its two ends and the pair it joins,
 * as the kernel's socket table would list it.
 */
final class SimSocket {

    final long id;
    final SimNode dialer;
    final SimNode acceptor;
    /** The pair it joins, as the two nodes' addresses when it was opened (a node that moves later starts another pair). */
    final NodeAddress from;
    final NodeAddress to;
    final NodeAddress low;
    final NodeAddress high;
    /** A hash of the pair, compared at every step before the addresses themselves. */
    final long pairKey;
    SimLink dialerEnd;
    SimLink acceptorEnd;
    /** Whether it was established and alive at the last check of {@link SimChecks}. */
    boolean counted;

    SimSocket(long id, SimNode dialer, SimNode acceptor, NodeAddress from, NodeAddress to) {
        this.id = id;
        this.dialer = dialer;
        this.acceptor = acceptor;
        this.from = from;
        this.to = to;
        boolean fromLow = from.compareTo(to) < 0;
        this.low = fromLow ? from : to;
        this.high = fromLow ? to : from;
        this.pairKey = ((long) low.hashCode() << 32) ^ (high.hashCode() & 0xffffffffL);
    }

    boolean samePair(SimSocket o) {
        return pairKey == o.pairKey && low.equals(o.low) && high.equals(o.high);
    }

    /** Neither end has closed or begun to close, and at least one end counts it as up. */
    boolean establishedAndAlive() {
        return dialerEnd.alive() && acceptorEnd.alive()
                && ((dialerEnd.connection != null && dialerEnd.connection.isEstablished())
                || (acceptorEnd.connection != null && acceptorEnd.connection.isEstablished()));
    }

    boolean fullyClosed() {
        return !dialerEnd.isOpen() && !acceptorEnd.isOpen();
    }

    SimLink endOf(SimNode n) {
        return n == dialer ? dialerEnd : acceptorEnd;
    }

    @Override
    public String toString() {
        return "socket#" + id + " " + dialer.name + "->" + acceptor.name;
    }
}
