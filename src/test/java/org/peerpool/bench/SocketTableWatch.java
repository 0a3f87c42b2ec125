package org.peerpool.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.peerpool.testing.ProcNetTcp;

/**
 * The kernel's TCP table, read every 50 ms while a mesh of processes starts: when each
 * address first listens on the mesh port, every distinct connection each pair of
 * addresses ever held on that port, and since when every pair has held at least one
 * (the mesh is whole). It sees processes of any kind alike, peerpool or JGroups.
 */
final class SocketTableWatch implements AutoCloseable {

    static final long PERIOD_MS = 50;

    private final List<InetAddress> ips;
    private final int port;
    private final long t0;
    private final Thread thread;
    private final Map<InetAddress, Long> listeningAt = new HashMap<>();
    private final Map<String, Set<String>> opened = new HashMap<>();
    private volatile boolean running = true;
    private long wholeSince = -1;
    private IOException failure;

    private SocketTableWatch(List<InetAddress> ips, int port, long t0) {
        this.ips = List.copyOf(ips);
        this.port = port;
        this.t0 = t0;
        this.thread = new Thread(this::run, "bench-socket-table");
        this.thread.setDaemon(true);
    }

    /** Starts reading; times are measured from {@code t0} (nanoTime of the launch). */
    static SocketTableWatch start(List<InetAddress> ips, int port, long t0) {
        SocketTableWatch w = new SocketTableWatch(ips, port, t0);
        w.thread.start();
        return w;
    }

    private void run() {
        while (running) {
            try {
                read(System.nanoTime());
                Thread.sleep(PERIOD_MS);
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                synchronized (this) {
                    failure = e;
                }
                return;
            }
        }
    }

    private void read(long now) throws IOException {
        Map<String, Integer> live = new HashMap<>();
        Set<InetAddress> listening = new HashSet<>();
        for (ProcNetTcp.Socket s : ProcNetTcp.all()) {
            InetAddress a = s.local().getAddress();
            InetAddress b = s.remote().getAddress();
            if (s.state() == 0x0A && s.local().getPort() == port && ips.contains(a)) {
                listening.add(a);
            } else if (s.established() && ips.contains(a) && ips.contains(b)
                    && (s.local().getPort() == port || s.remote().getPort() == port)) {
                String pair = pairKey(a, b);
                String ends = s.local().toString().compareTo(s.remote().toString()) < 0
                        ? s.local() + "-" + s.remote() : s.remote() + "-" + s.local();
                synchronized (this) {
                    opened.computeIfAbsent(pair, k -> new HashSet<>()).add(ends);
                }
                live.merge(pair, 1, Integer::sum);
            }
        }
        int pairs = ips.size() * (ips.size() - 1) / 2;
        synchronized (this) {
            for (InetAddress a : listening) {
                listeningAt.putIfAbsent(a, now - t0);
            }
            boolean whole = live.size() == pairs;
            if (!whole) {
                wholeSince = -1;
            } else if (wholeSince < 0) {
                wholeSince = now - t0;
            }
        }
    }

    private static String pairKey(InetAddress a, InetAddress b) {
        String x = a.getHostAddress();
        String y = b.getHostAddress();
        return x.compareTo(y) < 0 ? x + "|" + y : y + "|" + x;
    }

    /** Nanoseconds from launch since which every pair has held a connection, or -1 while not whole. */
    synchronized long wholeSinceNanos() throws IOException {
        if (failure != null) {
            throw failure;
        }
        return wholeSince;
    }

    /** Distinct connections seen so far, over all pairs. */
    synchronized int connectionsOpened() {
        return opened.values().stream().mapToInt(Set::size).sum();
    }

    /** The most distinct connections one pair has had. */
    synchronized int mostForOnePair() {
        return opened.values().stream().mapToInt(Set::size).max().orElse(0);
    }

    /** Nanoseconds from launch until each address that listens was first seen listening. */
    synchronized Map<InetAddress, Long> listeningAt() {
        return Map.copyOf(listeningAt);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(TimeUnit.SECONDS.toMillis(5));
    }
}
