package org.peerpool.pool;

import java.net.Inet4Address;
import java.net.InetAddress;
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
        if (a instanceof Inet4Address || b instanceof Inet4Address) {
            return a.equals(b);
        }
        return Arrays.equals(a.getAddress(), 0, IPV6_GROUP_BYTES, b.getAddress(), 0, IPV6_GROUP_BYTES);
    }

    /** The group for a log line: the IPv4 address, or the IPv6 /64. */
    static String describe(InetAddress a) {
        if (a instanceof Inet4Address) {
            return a.getHostAddress();
        }
        byte[] b = Arrays.copyOf(a.getAddress(), 16);
        Arrays.fill(b, IPV6_GROUP_BYTES, 16, (byte) 0);
        try {
            return InetAddress.getByAddress(b).getHostAddress() + "/64";
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException("16 bytes are an IPv6 address", e);
        }
    }
}
