package org.peerpool.bench;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import org.peerpool.Agent;
import org.peerpool.config.ConfigControl;
import org.peerpool.config.ConfigWatcher;
import org.peerpool.config.NodeConfig;
import org.peerpool.wire.NodeAddress;

/**
 * Reload latency: an agent runs on a watched file; each sample saves the file adding a
 * running peer and times until that peer is connected, then saves it without the peer
 * and times until the connection is closed on both ends.
 */
final class ReloadLatency {

    private ReloadLatency() {
    }

    static void run(Settings s, Results r) throws Exception {
        InetAddress watchedIp = BenchNet.ip(3, 1);
        InetAddress peerIp = BenchNet.ip(3, 2);
        int port = BenchNet.freePort(List.of(watchedIp, peerIp));
        NodeAddress self = NodeAddress.of(watchedIp, port);
        NodeAddress peer = NodeAddress.of(peerIp, port);
        Path dir = Files.createDirectories(s.out().resolve("reload"));
        Path file = dir.resolve("peerpool.ini");
        save(file, self, null);

        int n = s.reloadSamples();
        long[] added = new long[n];
        long[] addApplied = new long[n];
        long[] removed = new long[n];
        long[] removeApplied = new long[n];
        long[] removedHere = new long[n];
        Agent other = Agent.builder(NodeConfig.builder(peerIp).port(port).addPeer(self).reverseDialAfterS(0).build())
                .ioThreads(1).build();
        Agent watched = Agent.builder(ConfigWatcher.load(file)).ioThreads(1).build();
        try {
            other.start();
            watched.start();
            ConfigControl control = watched.configControl();
            Heap.sleep(500);
            for (int i = 0; i < n; i++) {
                pause();
                long reloads = control.status().reloadCount();
                long t0 = System.nanoTime();
                save(file, self, peer);
                addApplied[i] = await(() -> control.status().reloadCount() > reloads, t0, "reload adding the peer");
                added[i] = await(() -> watched.pool().isConnected(peer), t0, "peer connected");

                pause();
                long reloads2 = control.status().reloadCount();
                t0 = System.nanoTime();
                save(file, self, null);
                removeApplied[i] = await(() -> control.status().reloadCount() > reloads2, t0, "reload removing the peer");
                removedHere[i] = await(() -> !watched.pool().isConnected(peer), t0, "peer dropped by the watched node");
                removed[i] = await(() -> !other.pool().isConnected(self), t0, "connection closed at the peer");
            }
        } finally {
            watched.stop();
            other.stop();
        }
        Stats add = Stats.millis(added);
        Stats rem = Stats.millis(removed);
        Stats addA = Stats.millis(addApplied);
        Stats remA = Stats.millis(removeApplied);
        String method = "One agent on a watched file (Agent.builder(ConfigWatcher.load(file)), 127.77.3.1) and a running "
                + "peer agent at 127.77.3.2 (higher, listing it, reverse dial off). Each sample saves the file in place "
                + "(Files.writeString: truncate + write) with the peer added and times until the watched pool reports it "
                + "connected; then saves it with the peer removed and times until the peer's pool reports the connection "
                + "closed (GOODBYE delivered). Polled every 0.5 ms; 100-200 ms random pause before each save; " + n
                + " samples each. 'applied' is when ConfigStatus.reloadCount() moved.";
        Map<String, Object> da = new LinkedHashMap<>();
        da.put("savedToConnectedMs", add.summary());
        da.put("savedToAppliedMs", addA.summary());
        Map<String, Object> dr = new LinkedHashMap<>();
        dr.put("savedToClosedAtPeerMs", rem.summary());
        dr.put("savedToDroppedByWatchedNodeMs", Stats.millis(removedHere).summary());
        dr.put("savedToAppliedMs", remA.summary());
        r.add(new Results.Row("reload latency, peer added p50 / p99", add.p(50), "ms",
                String.format("%.0f / %.0f ms (file applied at p50 %.0f ms)", add.p(50), add.p(99), addA.p(50)),
                null, "- (none named)", "p50 under 300 ms", add.p(50) < 300, method, da));
        r.add(new Results.Row("reload latency, peer removed p50 / p99", rem.p(50), "ms",
                String.format("%.0f / %.0f ms (file applied at p50 %.0f ms)", rem.p(50), rem.p(99), remA.p(50)),
                null, "- (none named)", "p50 under 300 ms", rem.p(50) < 300, method, dr));
    }

    private static void save(Path file, NodeAddress self, NodeAddress peer) throws Exception {
        StringBuilder b = new StringBuilder("; reload benchmark\n[network]\n");
        b.append("local_ip = ").append(NodeAddress.ipText(self.ip())).append('\n');
        b.append("port = ").append(self.port()).append('\n');
        if (peer != null) {
            b.append("peer = ").append(peer).append('\n');
        }
        Files.writeString(file, b.toString(), StandardCharsets.UTF_8);
    }

    static void pause() {
        Heap.sleep(100 + ThreadLocalRandom.current().nextInt(101));
    }

    /** Nanoseconds from {@code t0} until {@code condition} holds; fails after 10 s. */
    static long await(BooleanSupplier condition, long t0, String what) {
        long deadline = t0 + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not within 10 s of the save: " + what);
            }
            LockSupport.parkNanos(500_000);
        }
        return System.nanoTime() - t0;
    }
}
