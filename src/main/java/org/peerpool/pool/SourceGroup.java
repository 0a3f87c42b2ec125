package org.peerpool.pool;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * Which sources count as one for a per-IP limit: an IPv4 address by itself, an IPv6
 * address by its /64, the smallest block one host is commonly given (it can use every
 * address in it).
 */
final class SourceGroup {

    private static final int IPV6_GROUP_BYTES = 8;

    private SourceGroup() {
    }

    static boolean same(InetAddress a, InetAddress b) {
        return key(a).equals(key(b));
    }

    /** The group as an address: an IPv4 address itself, an IPv6 one with its last 64 bits zero. */
    static InetAddress key(InetAddress a) {
        if (a instanceof Inet4Address) {
            return a;
        }
        byte[] b = a.getAddress();
        Arrays.fill(b, IPV6_GROUP_BYTES, b.length, (byte) 0);
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("16 bytes are an IPv6 address", e);
        }
    }

    /** The group for a log line: the IPv4 address, or the IPv6 /64. */
    static String describe(InetAddress a) {
        return a instanceof Inet4Address ? a.getHostAddress() : key(a).getHostAddress() + "/64";
    }
}
