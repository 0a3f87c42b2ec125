package org.peerpool.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * PROTOCOL.md section 1: what an address is, how it is written, and the total order
 * that decides which node of a pair dials. Every node must compute the same order,
 * so the cases below are the ones a string comparison or a signed byte comparison
 * would get wrong.
 */
class NodeAddressTest {

    private static NodeAddress a(String text) {
        return NodeAddress.parse(text);
    }

    private static void assertLower(String lower, String higher) {
        NodeAddress lo = a(lower);
        NodeAddress hi = a(higher);
        assertTrue(lo.compareTo(hi) < 0, lower + " should be lower than " + higher);
        // Antisymmetry: both nodes of a pair must agree on who dials.
        assertTrue(hi.compareTo(lo) > 0, higher + " should be higher than " + lower);
        assertNotEquals(lo, hi);
    }

    // ---- ordering ----

    @Test
    void ordersFirstOctetNumericallyNotAsText() {
        // "10..." < "9..." as strings; numerically 9 < 10.
        assertLower("9.0.0.1:7100", "10.0.0.1:7100");
    }

    @Test
    void ordersLastOctetNumericallyNotAsText() {
        assertLower("127.0.0.2:7100", "127.0.0.10:7100");
    }

    @Test
    void ordersOctetsAsUnsignedBytes() {
        // 200 is a negative Java byte; a signed compare would put it below 100.
        assertLower("100.0.0.1:7100", "200.0.0.1:7100");
        assertLower("1.1.1.127:1", "1.1.1.128:1");
        assertLower("254.255.255.255:1", "255.0.0.0:1");
    }

    @Test
    void samePortDoesNotHideIpDifference() {
        // The IP decides before the port does, even when the port points the other way.
        assertLower("127.0.0.2:9000", "127.0.0.3:1");
    }

    @Test
    void portBreaksTiesOnSameIp() {
        assertLower("127.0.0.2:7100", "127.0.0.2:7101");
        // Numeric port compare, not text: "900" > "10000" as strings.
        assertLower("127.0.0.2:900", "127.0.0.2:10000");
        assertLower("[::1]:1", "[::1]:65535");
    }

    @Test
    void loopbackIpv6IsBelowEveryIpv4() {
        // ::1 is 00..0001; 0.0.0.1 maps to 00..00 ffff 00000001, which is larger.
        assertLower("[::1]:7100", "0.0.0.1:7100");
        assertLower("[::1]:65535", "0.0.0.0:1");
        assertLower("[::]:7100", "[::1]:7100");
    }

    @Test
    void globalIpv6IsAboveEveryIpv4() {
        assertLower("255.255.255.255:65535", "[2001:db8::1]:1");
        assertLower("0.0.0.1:7100", "[2001:db8::1]:1");
        assertLower("[2001:db8::1]:1", "[2001:db8::2]:1");
        // 0xfe in the first byte is negative as a Java byte; unsigned order puts it high.
        assertLower("[2001:db8::1]:1", "[fe80::1]:1");
    }

    @Test
    void ipv4MappedIpv6IsTheSameAddress() {
        NodeAddress mapped = a("[::ffff:127.0.0.2]:7100");
        NodeAddress plain = a("127.0.0.2:7100");
        assertEquals(plain, mapped);
        assertEquals(mapped, plain);
        assertEquals(plain.hashCode(), mapped.hashCode());
        assertEquals(0, mapped.compareTo(plain));
        assertEquals(0, plain.compareTo(mapped));
        assertEquals("127.0.0.2:7100", mapped.toString());
    }

    @Test
    void ipv4MappedInHexFormIsTheSameAddress() {
        // ::ffff:7f00:2 is the same 16 bytes as ::ffff:127.0.0.2, just written in hex.
        NodeAddress hex = a("[::ffff:7f00:2]:7100");
        assertEquals(a("127.0.0.2:7100"), hex);
        assertEquals("127.0.0.2:7100", hex.toString());
    }

    @Test
    void differentPortIsADifferentAddress() {
        assertNotEquals(a("127.0.0.2:7100"), a("127.0.0.2:7101"));
        assertNotEquals(a("[::1]:7100"), a("[::1]:7101"));
    }

    @Test
    void equalAddressesWrittenDifferentlyAreEqual() {
        // Leading zeros, case and how far the zeros are compressed must not matter.
        assertEquals(a("[::1]:7100"), a("[0:0:0:0:0:0:0:1]:7100"));
        assertEquals(a("[2001:DB8::A]:7100"), a("[2001:0db8:0:0:0:0:0:000a]:7100"));
        assertEquals(a("[2001:DB8::A]:7100").hashCode(), a("[2001:0db8:0:0:0:0:0:000a]:7100").hashCode());
        assertEquals(0, a("[::1]:7100").compareTo(a("[0:0:0:0:0:0:0:1]:7100")));
    }

    @Test
    void ofMatchesParse() throws Exception {
        // The config builds its own address with of(); it must equal what a peer parses.
        InetAddress mapped = InetAddress.getByAddress(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 10, 0, 0, 1});
        assertEquals(a("10.0.0.1:7100"), NodeAddress.of(mapped, 7100));
        assertEquals(a("10.0.0.1:7100"), NodeAddress.of(InetAddress.getByAddress(new byte[] {10, 0, 0, 1}), 7100));
        assertEquals("10.0.0.1:7100", NodeAddress.of(mapped, 7100).toString());
    }

    @Test
    void ofRejectsPortOutOfRange() throws Exception {
        InetAddress ip = InetAddress.getByAddress(new byte[] {10, 0, 0, 1});
        assertThrows(IllegalArgumentException.class, () -> NodeAddress.of(ip, 0));
        assertThrows(IllegalArgumentException.class, () -> NodeAddress.of(ip, 65536));
        assertThrows(IllegalArgumentException.class, () -> NodeAddress.of(ip, -1));
    }

    /** Ascending by the rule of section 1; each entry is strictly above the one before. */
    private static final List<String> ASCENDING = List.of(
            "[::]:1",
            "[::1]:7100",
            "[::1]:7101",
            "[::2]:1",
            "[::fffe:ffff:ffff]:1",
            "0.0.0.0:1",
            "0.0.0.1:7100",
            "9.0.0.1:7100",
            "10.0.0.1:7100",
            "127.0.0.2:7100",
            "127.0.0.2:7101",
            "127.0.0.10:7100",
            "127.0.0.200:7100",
            "192.168.1.1:80",
            "255.255.255.255:65535",
            "[::1:0:0:0]:1",
            "[2001:db8::1]:1",
            "[2001:db8::1]:2",
            "[fe80::1]:7100",
            "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");

    @Test
    void sortingAShuffledListGivesNumericOrder() {
        List<NodeAddress> expected = ASCENDING.stream().map(NodeAddressTest::a).toList();
        Random random = new Random(42);
        for (int round = 0; round < 20; round++) {
            List<NodeAddress> shuffled = new ArrayList<>(expected);
            Collections.shuffle(shuffled, random);
            Collections.sort(shuffled);
            assertEquals(expected, shuffled, "round " + round);
        }
    }

    @Test
    void orderIsTotalAntisymmetricAndTransitive() {
        List<NodeAddress> all = ASCENDING.stream().map(NodeAddressTest::a).toList();
        for (int i = 0; i < all.size(); i++) {
            for (int j = 0; j < all.size(); j++) {
                NodeAddress x = all.get(i);
                NodeAddress y = all.get(j);
                // The list is strictly ascending, so the sign must follow the index.
                assertEquals(Integer.signum(Integer.compare(i, j)), Integer.signum(x.compareTo(y)), x + " vs " + y);
                assertEquals(-Integer.signum(x.compareTo(y)), Integer.signum(y.compareTo(x)), x + " vs " + y);
                assertEquals(x.compareTo(y) == 0, x.equals(y), x + " vs " + y);
                for (int k = 0; k < all.size(); k++) {
                    NodeAddress z = all.get(k);
                    if (x.compareTo(y) < 0 && y.compareTo(z) < 0) {
                        assertTrue(x.compareTo(z) < 0, x + " < " + y + " < " + z);
                    }
                }
            }
        }
    }

    // ---- text form ----

    @Test
    void printsIpv4AsIpColonPort() {
        assertEquals("127.0.0.2:7100", a("127.0.0.2:7100").toString());
        assertEquals("0.0.0.0:1", a("0.0.0.0:1").toString());
        assertEquals("255.255.255.255:65535", a("255.255.255.255:65535").toString());
    }

    @Test
    void printsIpv6BracketedAndCompressed() {
        assertEquals("[::1]:7100", a("[::1]:7100").toString());
        assertEquals("[::1]:7100", a("[0:0:0:0:0:0:0:1]:7100").toString());
        assertEquals("[2001:db8::1]:1", a("[2001:0DB8:0000:0000:0000:0000:0000:0001]:1").toString());
        assertEquals("[::]:7100", a("[::]:7100").toString());
        assertEquals("[fe80::]:7100", a("[fe80::]:7100").toString());
        // Only the longest zero run is compressed, and the first of two equal runs.
        assertEquals("[1:0:0:2::3]:1", a("[1:0:0:2:0:0:0:3]:1").toString());
        assertEquals("[1::2:0:0:3]:1", a("[1:0:0:0:2:0:0:3]:1").toString());
        assertEquals("[1::2:0:0:3:4]:1", a("[1:0:0:2:0:0:3:4]:1").toString());
        // A single zero group is not compressed.
        assertEquals("[1:2:3:4:5:6:0:8]:1", a("[1:2:3:4:5:6:0:8]:1").toString());
    }

    @Test
    void textFormParsesBackToTheSameAddress() {
        for (String s : ASCENDING) {
            NodeAddress parsed = a(s);
            assertEquals(parsed, a(parsed.toString()), s);
            assertEquals(parsed.toString(), a(parsed.toString()).toString(), s);
        }
    }

    @Test
    void accessorsGiveIpAndPort() {
        NodeAddress addr = a("127.0.0.2:7100");
        assertEquals(7100, addr.port());
        assertEquals("127.0.0.2", addr.ip().getHostAddress());
        assertEquals(7100, addr.toSocketAddress().getPort());
        assertEquals(addr.ip(), addr.toSocketAddress().getAddress());
    }

    // ---- parsing ----

    @Test
    void parseRequiresThePort() {
        assertThrows(IllegalArgumentException.class, () -> NodeAddress.parse("127.0.0.2"));
        assertThrows(IllegalArgumentException.class, () -> NodeAddress.parse("[::1]"));
        assertThrows(IllegalArgumentException.class, () -> NodeAddress.parse("127.0.0.2:"));
        assertThrows(IllegalArgumentException.class, () -> NodeAddress.parse("[::1]:"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            // host names: never resolved, always rejected (localhost would resolve if tried)
            "localhost:7100", "example.com:1", "host:7100", "[localhost]:7100",
            "a.b.c.d:7100", "1.2.3.d:7100", "cafe:7100",
            // port out of range or not a number
            "127.0.0.2:0", "127.0.0.2:65536", "127.0.0.2:99999", "127.0.0.2:123456",
            "127.0.0.2:-1", "127.0.0.2:+1", "127.0.0.2:71OO", "127.0.0.2:7100x", "127.0.0.2: 7100",
            "127.0.0.2:0x1C", "[::1]:0", "[::1]:65536", "[::1]:abc",
            // broken IPv4
            "1.2.3:7100", "1.2.3.4.5:7100", "256.1.1.1:7100", "1.2.3.256:7100", "1..3.4:7100",
            "1.2.3.4.:7100", ".1.2.3:7100", "-1.2.3.4:7100", "1.2.3.1000:7100", ":7100",
            // IPv6 without brackets, broken brackets, broken IPv6
            "::1:7100", "::1", "2001:db8::1:7100", "[::1:7100", "::1]:7100", "[::1]7100",
            "[::1]x:7100", "[]:7100", "[1.2.3.4]:7100", "[1:2:3:4:5:6:7:8:9]:1",
            "[2001:db8::g]:1", "[fe80::1%eth0]:7100", "[1::2::3]:1",
            // empty and blank
            "", "   ", ":", "[]"})
    void parseRejects(String text) {
        assertThrows(IllegalArgumentException.class, () -> NodeAddress.parse(text));
    }

    @Test
    void parseRejectsNull() {
        assertThrows(IllegalArgumentException.class, () -> NodeAddress.parse(null));
    }

    @Test
    void parseAcceptsPortRangeEnds() {
        assertEquals(1, a("127.0.0.2:1").port());
        assertEquals(65535, a("127.0.0.2:65535").port());
        assertEquals(65535, a("[::1]:65535").port());
    }

    @Test
    void parseWithDefaultPortAcceptsBareIp() {
        assertEquals(a("127.0.0.2:7100"), NodeAddress.parse("127.0.0.2", 7100));
        assertEquals(a("[::1]:7100"), NodeAddress.parse("[::1]", 7100));
        // An explicit port still wins over the default.
        assertEquals(a("127.0.0.2:7200"), NodeAddress.parse("127.0.0.2:7200", 7100));
        assertEquals(a("[::1]:7200"), NodeAddress.parse("[::1]:7200", 7100));
    }

    @Test
    void parseWithDefaultPortStillRejectsBadInput() {
        assertThrows(IllegalArgumentException.class, () -> NodeAddress.parse("localhost", 7100));
        assertThrows(IllegalArgumentException.class, () -> NodeAddress.parse("::1", 7100));
        assertThrows(IllegalArgumentException.class, () -> NodeAddress.parse("127.0.0.2:0", 7100));
        assertThrows(IllegalArgumentException.class, () -> NodeAddress.parse("127.0.0.2:", 7100));
        assertThrows(IllegalArgumentException.class, () -> NodeAddress.parse("", 7100));
    }

    @Test
    void parseWithDefaultPortRejectsADefaultOutsideThePortRange() {
        // A port outside 1..65535 is not an address (section 1), wherever it came from.
        assertThrows(IllegalArgumentException.class, () -> NodeAddress.parse("127.0.0.2", 0));
        assertThrows(IllegalArgumentException.class, () -> NodeAddress.parse("127.0.0.2", 65536));
    }

    @Test
    void parseRejectsSurroundingWhitespace() {
        // On the wire an address is exactly IP:PORT; the config loader trims its own values.
        assertThrows(IllegalArgumentException.class, () -> NodeAddress.parse("  127.0.0.2:7100\t"));
        assertThrows(IllegalArgumentException.class, () -> NodeAddress.parse(" 127.0.0.2:7100"));
    }

    @Test
    void sameIpIgnoresPortAndMappedForm() throws Exception {
        NodeAddress addr = a("127.0.0.2:7100");
        assertTrue(addr.sameIp(InetAddress.getByAddress(new byte[] {127, 0, 0, 2})));
        assertTrue(addr.sameIp(InetAddress.getByAddress(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 127, 0, 0, 2})));
        assertFalse(addr.sameIp(InetAddress.getByAddress(new byte[] {127, 0, 0, 3})));
    }

    @Test
    void ipTextIsIpAloneWithoutBracketsOrPort() throws Exception {
        assertEquals("127.0.0.2", NodeAddress.ipText(InetAddress.getByAddress(new byte[] {127, 0, 0, 2})));
        assertEquals("::1", NodeAddress.ipText(NodeAddress.parseIp("::1", "test")));
        assertEquals("127.0.0.2", NodeAddress.ipText(NodeAddress.parseIp("::ffff:127.0.0.2", "test")));
    }
}
