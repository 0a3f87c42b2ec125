package org.peerpool.pool;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Accepted connections whose HANDSHAKE has not arrived yet, oldest first, with a count
 * per source IP. This is the work an unauthenticated stranger can make a node do, so
 * it is bounded: per source IP ({@code max_handshaking_per_ip}) and in total
 * ({@code max_handshaking}), where the oldest waiter makes room for a newcomer: a real
 * peer handshakes within milliseconds of connecting, a flood's idle sockets do not. A
 * connection from a listed peer's IP goes last: TCP proves its source address, so a
 * flood from elsewhere cannot take its place.
 * Touched under the pool's lock only.
 */
final class PendingHandshakes {

    private final LinkedHashSet<Connection> waiting = new LinkedHashSet<>();
    private final Map<InetAddress, Integer> perIp = new HashMap<>();

    /** Adds {@code c}; false (nothing added) when its IP (an IPv6 /64) already has {@code perIpLimit} waiting. */
    boolean admit(Connection c, int perIpLimit) {
        InetAddress ip = SourceGroup.key(c.link().remoteAddress().getAddress());
        int n = perIp.getOrDefault(ip, 0);
        if (n >= perIpLimit) {
            return false;
        }
        perIp.put(ip, n + 1);
        waiting.add(c);
        return true;
    }

    /**
     * The connection to drop while more than {@code limit} wait, else null: the
     * longest-waiting one from an IP that is not {@code peerIp}, so a flood from other
     * addresses cannot push out a listed peer's handshake (a TLS one takes several round
     * trips); only when none is left and more than {@code peers} (the listed peers' distinct
     * IPs) wait, the longest-waiting of all. A node restarting into more listed peers than
     * {@code limit} is dialed by all of them at once: their handshakes, one per listed IP,
     * are let through, not dropped to be dialed again.
     */
    Connection oldestOver(int limit, Predicate<InetAddress> peerIp, int peers) {
        if (waiting.size() <= limit) {
            return null;
        }
        Connection first = null;
        for (Connection c : waiting) {
            if (first == null) {
                first = c;
            }
            if (!peerIp.test(c.link().remoteAddress().getAddress())) {
                return c;
            }
        }
        return waiting.size() > peers ? first : null;
    }

    void remove(Connection c) {
        if (waiting.remove(c)) {
            InetAddress ip = SourceGroup.key(c.link().remoteAddress().getAddress());
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
