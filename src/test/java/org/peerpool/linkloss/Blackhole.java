package org.peerpool.linkloss;

import java.io.IOException;
import java.util.List;

import org.peerpool.testing.NetNs;

/**
 * Cuts and heals the link between two loopback IPs of the network namespace this
 * process runs in, with policy-routing blackhole rules: every packet from one to the
 * other is dropped without a word (no FIN, no RST, no ICMP), as on a dead cable. The
 * {@code local} table's rule moves from preference 0 to 100 once, so the blackhole
 * rules at 10 are consulted before it. Only for a private namespace: it changes the
 * routing rules of the one it runs in.
 */
final class Blackhole {

    static final int PREF = 10;

    private Blackhole() {
    }

    /** Moves the {@code local} table's rule behind the preferences blackhole rules use. */
    static void prepare() throws IOException {
        ip("rule", "add", "pref", "100", "lookup", "local");
        ip("rule", "del", "pref", "0");
    }

    static void cut(String a, String b) throws IOException {
        ip("rule", "add", "from", a, "to", b, "blackhole", "pref", String.valueOf(PREF));
        ip("rule", "add", "from", b, "to", a, "blackhole", "pref", String.valueOf(PREF));
    }

    static void heal(String a, String b) throws IOException {
        ip("rule", "del", "from", a, "to", b, "blackhole", "pref", String.valueOf(PREF));
        ip("rule", "del", "from", b, "to", a, "blackhole", "pref", String.valueOf(PREF));
    }

    static String rules() throws IOException {
        return NetNs.run(List.of("ip", "rule", "list")).output();
    }

    private static void ip(String... args) throws IOException {
        List<String> cmd = new java.util.ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        NetNs.Result r = NetNs.run(cmd);
        if (r.exit() != 0) {
            throw new IOException("'" + String.join(" ", cmd) + "' failed (" + r.exit() + "): " + r.output().strip());
        }
    }
}
