package org.peerpool.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * Watches the kernel's TCP sockets (not any pool) between a set of node IPs, all
 * listening on one port, and records every time one pair of IPs has two ESTABLISHED
 * connections at once for longer than {@code tolerance}. This sees nodes the test
 * cannot read directly (a child process), and catches a connection a pool forgot but
 * never closed. A connection being replaced, or a handshake being refused, leaves two
 * for a moment, so only a lasting duplicate counts.
 */
public final class KernelPairWatch implements AutoCloseable {

    private static final long PERIOD_MS = 20;

    private final List<InetAddress> ips;
    private final int port;
    private final long toleranceNanos;
    private final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
    private final Map<String, Long> duplicateSince = new HashMap<>();
    private final Set<String> reported = new HashSet<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long reads;
    private volatile int mostAtOnce;
    private volatile long longestDuplicateNanos;

    private KernelPairWatch(List<InetAddress> ips, int port, long toleranceMs) {
        this.ips = List.copyOf(ips);
        this.port = port;
        this.toleranceNanos = TimeUnit.MILLISECONDS.toNanos(toleranceMs);
        this.thread = new Thread(this::run, "kernel-pair-watch");
        this.thread.setDaemon(true);
    }

    public static KernelPairWatch start(List<InetAddress> ips, int port, long toleranceMs) {
        KernelPairWatch w = new KernelPairWatch(ips, port, toleranceMs);
        w.thread.start();
        return w;
    }

    private void run() {
        while (running) {
            try {
                long t0 = System.nanoTime();
                check();
                reads++;
                // Reading is costly on a host with many TIME_WAIT sockets: never take more than half a core.
                Thread.sleep(Math.max(PERIOD_MS, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)));
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                problems.add("cannot read the kernel's sockets: " + e);
                return;
            }
        }
    }

    private void check() throws IOException {
        long now = System.nanoTime();
        List<String> duplicated = new ArrayList<>();
        for (var e : group(ips, port).entrySet()) {
            int n = e.getValue().size();
            mostAtOnce = Math.max(mostAtOnce, n);
            if (n < 2) {
                continue;
            }
            duplicated.add(e.getKey());
            long since = duplicateSince.computeIfAbsent(e.getKey(), k -> now);
            longestDuplicateNanos = Math.max(longestDuplicateNanos, now - since);
            if (now - since >= toleranceNanos && reported.add(e.getKey())) {
                problems.add(e.getKey() + " had " + n + " TCP connections for over "
                        + TimeUnit.NANOSECONDS.toMillis(toleranceNanos) + " ms: " + e.getValue());
            }
        }
        duplicateSince.keySet().retainAll(duplicated);
        reported.retainAll(duplicated);
    }

    /** Distinct ESTABLISHED connections per IP pair right now, keyed "ipA|ipB" (sorted). */
    public static Map<String, Integer> connectionsPerPair(List<InetAddress> ips, int port) throws IOException {
        Map<String, Integer> out = new HashMap<>();
        group(ips, port).forEach((k, v) -> out.put(k, v.size()));
        return out;
    }

    // One connection shows as two sockets here (both ends are on this host): key it by its two ends, sorted.
    private static Map<String, Set<String>> group(List<InetAddress> ips, int port) throws IOException {
        Map<String, Set<String>> byPair = new HashMap<>();
        for (ProcNetTcp.Socket s : ProcNetTcp.establishedBetween(ips, port)) {
            String ipA = s.local().getAddress().getHostAddress();
            String ipB = s.remote().getAddress().getHostAddress();
            String a = s.local().toString();
            String b = s.remote().toString();
            byPair.computeIfAbsent(ipA.compareTo(ipB) < 0 ? ipA + "|" + ipB : ipB + "|" + ipA, k -> new TreeSet<>())
                    .add(a.compareTo(b) < 0 ? a + "<->" + b : b + "<->" + a);
        }
        return byPair;
    }

    @Override
    public void close() throws InterruptedException {
        if (running) {
            running = false;
            thread.interrupt();
            thread.join();
        }
    }

    public List<String> problems() {
        return List.copyOf(problems);
    }

    public String summary() {
        return "kernelReads=" + reads + " mostConnectionsForOnePair=" + mostAtOnce + " longestDuplicateMs="
                + TimeUnit.NANOSECONDS.toMillis(longestDuplicateNanos) + " problems=" + problems.size();
    }

    public long reads() {
        return reads;
    }
}
