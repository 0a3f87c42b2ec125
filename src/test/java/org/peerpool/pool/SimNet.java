package org.peerpool.pool;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.peerpool.wire.NodeAddress;

/**
 * The simulated network: which node listens on which address, which directions a
 * firewall blocks, and every socket ever opened (the kernel's table, for the checks).
 */
final class SimNet {

    final List<SimNode> nodes = new ArrayList<>();
    private final Set<String> blocked = new HashSet<>();
    private final List<SimSocket> sockets = new ArrayList<>();
    private long socketIds;

    /** The running node listening on {@code a}, or null. */
    SimNode listener(NodeAddress a) {
        for (SimNode n : nodes) {
            if (n.running && !n.stopping && n.address().equals(a)) {
                return n;
            }
        }
        for (SimNode n : nodes) {
            // A stopping node still has its listener bound; its pool refuses what comes in.
            if (n.running && n.address().equals(a)) {
                return n;
            }
        }
        return null;
    }

    /** A one-way firewall: connections from {@code from} to {@code to} hang. */
    void block(SimNode from, SimNode to, boolean on) {
        String k = from.name + ">" + to.name;
        if (on) {
            blocked.add(k);
        } else {
            blocked.remove(k);
        }
    }

    boolean blocked(SimNode from, SimNode to) {
        return to != null && !blocked.isEmpty() && blocked.contains(from.name + ">" + to.name);
    }

    void unblockAll() {
        blocked.clear();
    }

    SimSocket open(SimNode dialer, SimNode acceptor, NodeAddress to) {
        SimSocket s = new SimSocket(++socketIds, dialer, acceptor, dialer.address(), to);
        sockets.add(s);
        return s;
    }

    /** Sockets with at least one end still open; the closed ones are dropped from the table. */
    List<SimSocket> live() {
        sockets.removeIf(SimSocket::fullyClosed);
        return sockets;
    }
}
