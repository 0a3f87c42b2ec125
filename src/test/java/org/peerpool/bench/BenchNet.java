package org.peerpool.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Loopback addresses, ports and kernel socket counts for the benchmark. Every bench
 * address is in 127.77.0.0/16, away from the 127.0.x.y addresses the normal tests of
 * other builds on this machine use, and every port is below the kernel's ephemeral
 * range, so the benchmark and those builds never collide.
 */
final class BenchNet {

    private BenchNet() {
    }

    /** 127.77.{@code subnet}.{@code host}. */
    static InetAddress ip(int subnet, int host) {
        try {
            return InetAddress.getByAddress(new byte[] {127, 77, (byte) subnet, (byte) host});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code count} addresses 127.77.{@code subnet}.1 .. {@code count} (at most 254). */
    static List<InetAddress> ips(int subnet, int count) {
        if (count > 254) {
            throw new IllegalArgumentException("count: " + count + " (expected: 1..254 in one /24)");
        }
        List<InetAddress> out = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            out.add(ip(subnet, i));
        }
        return out;
    }

    /** A port in 22000..31999 that every one of {@code ips} can bind right now. */
    static int freePort(Collection<InetAddress> ips) {
        for (int tries = 0; tries < 500; tries++) {
            int port = 22000 + ThreadLocalRandom.current().nextInt(10000);
            if (freeOnAll(port, ips)) {
                return port;
            }
        }
        throw new IllegalStateException("no port free on all of " + ips.size() + " addresses");
    }

    private static boolean freeOnAll(int port, Collection<InetAddress> ips) {
        for (InetAddress ip : ips) {
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(ip, port));
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }

    /**
     * Counts ESTABLISHED TCP sockets, as the kernel lists them in /proc/net/tcp and
     * tcp6, whose local and remote IPs are both in {@code ips} and whose local or
     * remote port is {@code port} (any port when negative). Every connection between
     * two of them counts twice, once per end. An independent check on the pools: it sees
     * every socket, whatever the pools think. Returns -1 where /proc is not there.
     */
    static int establishedBetween(Collection<InetAddress> ips, int port) {
        List<String> found = establishedSockets(ips, port);
        return found == null ? -1 : found.size();
    }

    /**
     * The sockets {@link #establishedBetween} counts, as "local -> remote", or null
     * without /proc. The kernel prints its socket table in chunks while it changes, so
     * one socket can be listed twice (or skipped) in one read: entries are told apart by
     * inode, and a caller expecting a count may read again ({@link #establishedSockets(Collection, int, int)}).
     */
    static List<String> establishedSockets(Collection<InetAddress> ips, int port) {
        Set<String> inodes = new HashSet<>();
        Set<String> wanted = new HashSet<>();
        for (InetAddress ip : ips) {
            wanted.add(ip.getHostAddress());
        }
        List<String> out = new ArrayList<>();
        boolean any = false;
        for (String file : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path p = Path.of(file);
            if (!Files.isReadable(p)) {
                continue;
            }
            any = true;
            List<String> lines;
            try {
                lines = Files.readAllLines(p);
            } catch (IOException e) {
                return null;
            }
            for (int i = 1; i < lines.size(); i++) {
                String[] f = lines.get(i).trim().split("\\s+");
                if (f.length < 4 || !f[3].equals("01")) {
                    continue;
                }
                String[] local = f[1].split(":");
                String[] remote = f[2].split(":");
                String lip = ipv4(local[0]);
                String rip = ipv4(remote[0]);
                int lport = Integer.parseInt(local[1], 16);
                int rport = Integer.parseInt(remote[1], 16);
                if (lip != null && rip != null && wanted.contains(lip) && wanted.contains(rip)
                        && (port < 0 || lport == port || rport == port) && inodes.add(f[9])) {
                    out.add(lip + ":" + lport + " -> " + rip + ":" + rport + " (" + file + ", inode " + f[9] + ")");
                }
            }
        }
        return any ? out : null;
    }

    /** Reads the socket table up to 5 times, 50 ms apart, until it lists {@code expected} sockets; the last read. */
    static List<String> establishedSockets(Collection<InetAddress> ips, int port, int expected) {
        List<String> found = establishedSockets(ips, port);
        for (int i = 0; i < 4 && found != null && found.size() != expected; i++) {
            Heap.sleep(50);
            found = establishedSockets(ips, port);
        }
        return found;
    }

    /** The dotted IPv4 of a /proc/net/tcp{,6} address (little-endian words), or null if not IPv4. */
    static String ipv4(String hex) {
        String word;
        if (hex.length() == 8) {
            word = hex;
        } else if (hex.length() == 32 && hex.startsWith("0000000000000000FFFF0000")) {
            word = hex.substring(24);
        } else {
            return null;
        }
        int v = (int) Long.parseLong(word, 16);
        return (v & 0xFF) + "." + ((v >> 8) & 0xFF) + "." + ((v >> 16) & 0xFF) + "." + ((v >>> 24) & 0xFF);
    }
}
