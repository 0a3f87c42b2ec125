package org.peerpool.pool;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Accepted connections whose HANDSHAKE has not arrived yet, oldest first, with a count
 * per source IP. This is the work an unauthenticated stranger can make a node do, so
 * it is bounded: per source IP ({@code max_handshaking_per_ip}) and in total
 * ({@code max_handshaking}), where the oldest waiter makes room for a newcomer: a real
 * peer handshakes within milliseconds of connecting, a flood's idle sockets do not.
 * Touched under the pool's lock only.
 */
final class PendingHandshakes {

    private final LinkedHashSet<Connection> waiting = new LinkedHashSet<>();
    private final Map<InetAddress, Integer> perIp = new HashMap<>();

    /** Adds {@code c}; false (nothing added) when its IP already has {@code perIpLimit} waiting. */
    boolean admit(Connection c, int perIpLimit) {
        InetAddress ip = c.link().remoteAddress().getAddress();
        int n = perIp.getOrDefault(ip, 0);
        if (n >= perIpLimit) {
            return false;
        }
        perIp.put(ip, n + 1);
        waiting.add(c);
        return true;
    }

    /** The longest-waiting connection while more than {@code limit} wait, else null. */
    Connection oldestOver(int limit) {
        if (waiting.size() <= limit) {
            return null;
        }
        Iterator<Connection> it = waiting.iterator();
        return it.next();
    }

    void remove(Connection c) {
        if (waiting.remove(c)) {
            InetAddress ip = c.link().remoteAddress().getAddress();
            perIp.computeIfPresent(ip, (k, n) -> n <= 1 ? null : n - 1);
        }
    }

    int size() {
        return waiting.size();
    }

    List<Connection> all() {
        return List.copyOf(waiting);
    }
}
