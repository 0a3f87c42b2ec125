package org.peerpool.pool;

/**
 * One simulated TCP connection between two nodes: its two ends and the pair it joins,
 * as the kernel's socket table would list it.
 */
final class SimSocket {

    final long id;
    final SimNode dialer;
    final SimNode acceptor;
    SimLink dialerEnd;
    SimLink acceptorEnd;

    SimSocket(long id, SimNode dialer, SimNode acceptor) {
        this.id = id;
        this.dialer = dialer;
        this.acceptor = acceptor;
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
