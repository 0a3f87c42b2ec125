package org.peerpool.wire;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * A node's address: an IP literal plus its listen port, with the total order of
 * PROTOCOL.md section 1. Two addresses are equal when their 16-byte forms and
 * ports are equal, so an IPv4-mapped IPv6 literal equals its IPv4 form. Parsing
 * never resolves a host name: anything that is not an IP literal is rejected.
 */
public final class NodeAddress implements Comparable<NodeAddress> {

    private final byte[] ip16;
    private final int port;
    private final InetAddress ip;
    // Addresses key every map of the pool and name the sender of every ANNOUNCE: the hash is
    // derived once, the text on first use (a benign race: every thread computes the same string).
    private final int hash;
    private String text;

    private NodeAddress(InetAddress ip, int port) {
        this.ip = ip;
        this.ip16 = toSixteenBytes(ip);
        this.port = port;
        this.hash = 31 * Arrays.hashCode(ip16) + port;
    }

    /** The address of {@code ip} (already an IP, never a name to resolve) and {@code port}. */
    public static NodeAddress of(InetAddress ip, int port) {
        checkPort(port, String.valueOf(port));
        return new NodeAddress(canonical(ip), port);
    }

    /** Parses {@code IP:PORT} or {@code [IPv6]:PORT}, as written on the wire. */
    public static NodeAddress parse(String text) {
        return parse(text, -1);
    }

    /**
     * Parses an address where the port may be left out and is then {@code defaultPort}
     * (a peer line in the config); a negative {@code defaultPort} makes the port required.
     */
    public static NodeAddress parse(String text, int defaultPort) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty address (expected IP:PORT)");
        }
        // No trimming: on the wire " 127.0.0.2:7100" is not an address (the config loader trims its values).
        String s = text;
        String host;
        String portText;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("'" + text + "': missing ']' after IPv6 literal");
            }
            host = s.substring(1, close);
            String rest = s.substring(close + 1);
            if (rest.isEmpty()) {
                portText = null;
            } else if (rest.startsWith(":")) {
                portText = rest.substring(1);
            } else {
                throw new IllegalArgumentException("'" + text + "': expected ':PORT' after ']'");
            }
            if (!host.contains(":")) {
                throw new IllegalArgumentException("'" + text + "': brackets are for IPv6 literals only");
            }
        } else {
            int colon = s.indexOf(':');
            if (colon >= 0 && s.indexOf(':', colon + 1) >= 0) {
                throw new IllegalArgumentException("'" + text + "': write an IPv6 address as [IP]:PORT");
            }
            host = colon < 0 ? s : s.substring(0, colon);
            portText = colon < 0 ? null : s.substring(colon + 1);
        }
        int port;
        if (portText == null) {
            if (defaultPort < 0) {
                throw new IllegalArgumentException("'" + text + "': port missing (expected IP:PORT)");
            }
            checkPort(defaultPort, text);
            port = defaultPort;
        } else {
            port = parsePort(portText, text);
        }
        return new NodeAddress(parseIp(host, text), port);
    }

    /** Parses a bare IP literal (IPv4 dotted quad or IPv6), never resolving a name. */
    public static InetAddress parseIp(String host, String context) {
        if (host.isEmpty()) {
            throw new IllegalArgumentException("'" + context + "': IP missing");
        }
        if (host.contains(":")) {
            for (int i = 0; i < host.length(); i++) {
                char c = host.charAt(i);
                boolean ok = c == ':' || c == '.' || Character.digit(c, 16) >= 0;
                if (!ok) {
                    throw new IllegalArgumentException("'" + context + "': not an IPv6 literal");
                }
            }
            try {
                // Only hex digits, ':' and '.' reach here, so this parses a literal and does no lookup.
                return canonical(InetAddress.getByName(host));
            } catch (UnknownHostException | IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + context + "': not an IPv6 literal");
            }
        }
        // Every handshake and VIEW names addresses: parsed by hand, without splitting or streams.
        byte[] b = new byte[4];
        int octet = 0;
        int start = 0;
        for (int i = 0; i <= host.length(); i++) {
            if (i < host.length() && host.charAt(i) != '.') {
                continue;
            }
            if (octet == 4 || i == start || i - start > 3 || !digits(host, start, i)) {
                throw new IllegalArgumentException("'" + context + "': not an IP address (expected a.b.c.d or [IPv6])");
            }
            int v = Integer.parseInt(host, start, i, 10);
            if (v > 255) {
                throw new IllegalArgumentException("'" + context + "': IPv4 octet " + v + " out of range (expected 0..255)");
            }
            b[octet++] = (byte) v;
            start = i + 1;
        }
        if (octet != 4) {
            throw new IllegalArgumentException("'" + context + "': not an IP address (expected a.b.c.d or [IPv6])");
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int parsePort(String portText, String context) {
        if (portText.isEmpty() || portText.length() > 5 || !digits(portText, 0, portText.length())) {
            throw new IllegalArgumentException("'" + context + "': port '" + portText + "' is not a number (expected 1..65535)");
        }
        int port = Integer.parseInt(portText);
        checkPort(port, context);
        return port;
    }

    private static boolean digits(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static void checkPort(int port, String context) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("'" + context + "': port " + port + " out of range (expected 1..65535)");
        }
    }

    /** {@code ip} as a NodeAddress holds it ({@link #ip()}): an IPv4-mapped IPv6 address as its IPv4 form. */
    public static InetAddress canonicalIp(InetAddress ip) {
        return canonical(ip);
    }

    /** IPv4-mapped IPv6 addresses become their IPv4 form, so equal addresses print alike. */
    private static InetAddress canonical(InetAddress ip) {
        if (ip instanceof Inet6Address) {
            byte[] b = ip.getAddress();
            boolean mapped = true;
            for (int i = 0; i < 10; i++) {
                mapped &= b[i] == 0;
            }
            mapped &= b[10] == (byte) 0xff && b[11] == (byte) 0xff;
            if (mapped) {
                try {
                    return InetAddress.getByAddress(Arrays.copyOfRange(b, 12, 16));
                } catch (UnknownHostException e) {
                    throw new IllegalStateException(e);
                }
            }
            try {
                // Drop any scope id: it is not part of a node's identity.
                return InetAddress.getByAddress(b);
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }
        return ip;
    }

    private static byte[] toSixteenBytes(InetAddress ip) {
        byte[] raw = ip.getAddress();
        if (raw.length == 16) {
            return raw;
        }
        byte[] b = new byte[16];
        b[10] = (byte) 0xff;
        b[11] = (byte) 0xff;
        System.arraycopy(raw, 0, b, 12, 4);
        return b;
    }

    /** True when {@code other} has the same IP as this address, whatever the port. */
    public boolean sameIp(InetAddress other) {
        return Arrays.equals(ip16, toSixteenBytes(canonical(other)));
    }

    public InetAddress ip() {
        return ip;
    }

    public int port() {
        return port;
    }

    public InetSocketAddress toSocketAddress() {
        return new InetSocketAddress(ip, port);
    }

    /** The IP alone as written on the wire in {@code your_ip}: no brackets, no port. */
    public static String ipText(InetAddress ip) {
        InetAddress c = canonical(ip);
        return c instanceof Inet4Address ? c.getHostAddress() : compressIpv6(c.getHostAddress());
    }

    private static String compressIpv6(String full) {
        // Inet6Address prints every group ("0:0:0:0:0:0:0:1"); operators expect "::1".
        String s = full;
        int pct = s.indexOf('%');
        if (pct >= 0) {
            s = s.substring(0, pct);
        }
        String[] groups = s.split(":");
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < groups.length; ) {
            if (groups[i].equals("0")) {
                int j = i;
                while (j < groups.length && groups[j].equals("0")) {
                    j++;
                }
                if (j - i > bestLen && j - i > 1) {
                    bestStart = i;
                    bestLen = j - i;
                }
                i = j;
            } else {
                i++;
            }
        }
        if (bestStart < 0) {
            return s;
        }
        String head = String.join(":", Arrays.copyOfRange(groups, 0, bestStart));
        String tail = String.join(":", Arrays.copyOfRange(groups, bestStart + bestLen, groups.length));
        return head + "::" + tail;
    }

    @Override
    public int compareTo(NodeAddress o) {
        int c = Arrays.compareUnsigned(ip16, o.ip16);
        return c != 0 ? c : Integer.compare(port, o.port);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NodeAddress a && port == a.port && Arrays.equals(ip16, a.ip16);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    /** {@code IP:PORT} for IPv4, {@code [IP]:PORT} for IPv6. */
    @Override
    public String toString() {
        String t = text;
        if (t == null) {
            String ipText = ipText(ip);
            t = ip instanceof Inet4Address ? ipText + ":" + port : "[" + ipText + "]:" + port;
            text = t;
        }
        return t;
    }
}
