package org.peerpool.pool;

import java.net.InetAddress;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Per-IP limits count an IPv6 source by its /64, which one host can fill with addresses. */
class SourceGroupTest {

    private static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    @Test
    void anIpv6SlashSixtyFourIsOneSource() throws Exception {
        assertTrue(SourceGroup.same(ip("2001:db8:1:2::1"), ip("2001:db8:1:2:ffff:ffff:ffff:fffe")));
        assertFalse(SourceGroup.same(ip("2001:db8:1:2::1"), ip("2001:db8:1:3::1")));
        assertEquals("2001:db8:1:2:0:0:0:0/64", SourceGroup.describe(ip("2001:db8:1:2:abcd::9")));
    }

    @Test
    void anIpv4AddressIsItsOwnSource() throws Exception {
        assertTrue(SourceGroup.same(ip("127.0.0.5"), ip("127.0.0.5")));
        assertFalse(SourceGroup.same(ip("127.0.0.5"), ip("127.0.0.6")));
        assertFalse(SourceGroup.same(ip("127.0.0.5"), ip("::ffff:7f00:6")));
        assertEquals("127.0.0.5", SourceGroup.describe(ip("127.0.0.5")));
    }
}
