package org.peerpool.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code [peers] dns} value: a DNS name whose A and AAAA records are peers, and the
 * port they listen on ({@code [network] port} unless the value names one).
 */
public record DnsName(String host, int port) {

    /** Letters, digits and hyphens in dot-separated labels of 1 to 63; '_' too, as SRV-style names use it. */
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?");
    private static final Pattern NAME_PORT = Pattern.compile("([^:]+?)\\.?(?::([0-9]{1,5}))?");

    public DnsName {
        if (!isName(host)) {
            throw new IllegalArgumentException("'" + host + "': expected a DNS name");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " (expected: 1 to 65535)");
        }
    }

    /**
     * Parses {@code NAME[:PORT]}; throws {@link IllegalArgumentException} saying what is
     * expected. An IP is refused: it belongs on a {@code peer} line.
     */
    public static DnsName parse(String text, int defaultPort) {
        Matcher m = NAME_PORT.matcher(text.strip());
        String expected = "expected NAME[:PORT], a DNS name and an optional port from 1 to 65535";
        if (!m.matches() || !isName(m.group(1))) {
            throw new IllegalArgumentException(expected);
        }
        if (m.group(1).matches("[0-9.]+")) {
            throw new IllegalArgumentException("an IP is not a DNS name (write it as a peer = line)");
        }
        int port = m.group(2) == null ? defaultPort : Integer.parseInt(m.group(2));
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(expected);
        }
        return new DnsName(m.group(1), port);
    }

    private static boolean isName(String host) {
        if (host == null || host.isEmpty() || host.length() > 253) {
            return false;
        }
        for (String label : host.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return true;
    }

    /** How JMX and the log name this source: {@code dns:NAME:PORT}. */
    public String label() {
        return "dns:" + host + ":" + port;
    }
}
