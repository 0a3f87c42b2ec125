package org.peerpool.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The kernel's own list of TCP sockets ({@code /proc/net/tcp} and {@code tcp6}) of the
 * network namespace this process runs in: what really exists, whatever the pools say.
 * Java's sockets are dual-stack, so IPv4 connections usually show up in {@code tcp6} as
 * IPv4-mapped addresses; both files are read and such addresses come back as IPv4.
 */
public final class ProcNetTcp {

    /**
     * One socket; {@code state} is the kernel's code (1 is ESTABLISHED); {@code txQueue}
     * the bytes written and not yet acknowledged by the other end.
     */
    public record Socket(InetSocketAddress local, InetSocketAddress remote, int state, long txQueue) {
        public boolean established() {
            return state == 1;
        }
    }

    private ProcNetTcp() {
    }

    /** Every socket in the state {@code state} (1 is ESTABLISHED). */
    public static List<Socket> inState(int state) throws IOException {
        return read(String.format("%02X", state));
    }

    /** Every socket, whatever its state. */
    public static List<Socket> all() throws IOException {
        return read(null);
    }

    private static List<Socket> read(String wanted) throws IOException {
        List<Socket> out = new ArrayList<>();
        for (String file : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path p = Path.of(file);
            if (!Files.isReadable(p)) {
                continue;
            }
            // A busy test host holds tens of thousands of TIME_WAIT sockets: look at the state before parsing.
            try (BufferedReader in = Files.newBufferedReader(p, StandardCharsets.US_ASCII)) {
                in.readLine();
                String line;
                while ((line = in.readLine()) != null) {
                    String[] f = fields(line);
                    if (wanted == null || f[3].equals(wanted)) {
                        out.add(new Socket(parse(f[1]), parse(f[2]), Integer.parseInt(f[3], 16),
                                Long.parseLong(f[4].substring(0, f[4].indexOf(':')), 16)));
                    }
                }
            }
        }
        return out;
    }

    /** ESTABLISHED sockets whose two ends are both in {@code ips} and one end is on {@code port}. */
    public static List<Socket> establishedBetween(List<InetAddress> ips, int port) throws IOException {
        List<Socket> out = new ArrayList<>();
        for (Socket s : inState(1)) {
            if (ips.contains(s.local().getAddress()) && ips.contains(s.remote().getAddress())
                    && (s.local().getPort() == port || s.remote().getPort() == port)) {
                out.add(s);
            }
        }
        return out;
    }

    /** The first five space-separated fields: slot, local, remote, state, tx_queue:rx_queue. */
    private static String[] fields(String line) {
        String[] f = new String[5];
        int i = 0;
        for (int n = 0; n < 5; n++) {
            while (line.charAt(i) == ' ') {
                i++;
            }
            int j = line.indexOf(' ', i);
            f[n] = line.substring(i, j);
            i = j;
        }
        return f;
    }

    // "0100007F:1BBC": the address as 32-bit words in host byte order (little-endian here), the port big-endian.
    private static InetSocketAddress parse(String hex) throws UnknownHostException {
        String[] p = hex.split(":");
        byte[] ip = new byte[p[0].length() / 2];
        for (int w = 0; w < ip.length / 4; w++) {
            long v = Long.parseLong(p[0].substring(w * 8, w * 8 + 8), 16);
            for (int i = 0; i < 4; i++) {
                ip[w * 4 + i] = (byte) (v >> (8 * i));
            }
        }
        // An IPv4-mapped address comes back as an Inet4Address.
        return new InetSocketAddress(InetAddress.getByAddress(ip), Integer.parseInt(p[1], 16));
    }
}
