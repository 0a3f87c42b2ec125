package org.peerpool.bench;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.peerpool.Agent;
import org.peerpool.config.NodeConfig;
import org.peerpool.wire.NodeAddress;

/**
 * Heap per connection: one hub agent in this JVM with C configured lower peers; C idle
 * connections from a separate JVM (so only the hub's objects are in this heap), one
 * per peer address; retained heap after full GC with them connected minus without,
 * divided by C. The class histogram difference says what the bytes are.
 */
final class HeapPerConnection {

    private static final int CLIENT_SUBNET = 10;

    private HeapPerConnection() {
    }

    static void run(Settings s, Results r) throws Exception {
        int count = s.heapConnections();
        InetAddress hubIp = BenchNet.ip(100, 1);
        int port = BenchNet.freePort(List.of(hubIp));
        List<NodeAddress> peers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            peers.add(NodeAddress.of(IdleClients.clientIp(CLIENT_SUBNET, i), port));
        }
        Path dir = Files.createDirectories(s.out().resolve("heap"));
        long heapEmpty = Heap.usedAfterGc();
        Agent hub = Agent.builder(NodeConfig.builder(hubIp).port(port).peers(peers).reverseDialAfterS(0).build()).build();
        try {
            hub.start();
            Heap.sleep(500);
            String before = Heap.classHistogram();
            long heapIdle = Heap.usedAfterGc();
            long heapConnected;
            String after;
            long t0 = System.nanoTime();
            try (ChildJava clients = ChildJava.start(IdleClients.class, List.of("-Xmx256m", "-XX:+UseSerialGC"),
                    List.of(hubIp.getHostAddress(), String.valueOf(port), String.valueOf(count),
                            String.valueOf(CLIENT_SUBNET)), dir, "idle-clients")) {
                clients.awaitLine("READY", 1, TimeUnit.MINUTES.toMillis(2));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (hub.pool().connectionCount() < count) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("hub holds " + hub.pool().connectionCount() + " of " + count);
                    }
                    Heap.sleep(10);
                }
                double connectSeconds = (System.nanoTime() - t0) / 1e9;
                System.out.printf("[bench]   %d idle connections up in %.1f s%n", count, connectSeconds);
                Heap.sleep(1000);
                heapConnected = Heap.usedAfterGc();
                after = Heap.classHistogram();
                if (hub.pool().connectionCount() != count) {
                    throw new IllegalStateException("connections dropped while measuring: " + hub.pool().connectionCount());
                }
            }
            double perConnection = (double) (heapConnected - heapIdle) / count;
            List<HistogramDiff.Entry> growth = HistogramDiff.growth(before, after, 30);
            String histText = HistogramDiff.text(growth, count, "conn");
            Files.writeString(dir.resolve("histogram-growth.txt"), "Retained heap growth of the hub from 0 to " + count
                    + " idle connections (class histograms after full GC)\n\n" + histText, StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("histogram-before.txt"), before, StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("histogram-after.txt"), after, StandardCharsets.UTF_8);
            System.out.print(indent(histText));
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("connections", count);
            d.put("heapBeforeHubMiB", Stats.round(Heap.mib(heapEmpty)));
            d.put("heapHubIdleMiB", Stats.round(Heap.mib(heapIdle)));
            d.put("heapHubConnectedMiB", Stats.round(Heap.mib(heapConnected)));
            d.put("bytesPerConnection", Math.round(perConnection));
            d.put("bytesPerConfiguredPeerEntryWithoutConnection", Math.round((double) (heapIdle - heapEmpty) / count));
            d.put("topGrowthByClass", HistogramDiff.rows(growth, count));
            String method = "One hub Agent (127.77.100.1, default I/O threads) in the benchmark JVM listing " + count
                    + " lower peers; a separate JVM opens " + count + " connections, each from its own source address "
                    + "(127.77.10.1 ..), completes HANDSHAKE/ACK and stays idle (reads and drops ANNOUNCEs). Used heap "
                    + "after full GC (min of 3 System.gc() rounds, G1) with all connected minus with none connected, "
                    + "divided by " + count + ". Class histogram growth in target/bench/heap/.";
            r.add(new Results.Row("heap per connection", perConnection / 1024, "KiB",
                    String.format("%.1f KiB (%d connections: %.1f -> %.1f MiB)", perConnection / 1024, count,
                            Heap.mib(heapIdle), Heap.mib(heapConnected)),
                    null, "- (none named)", "under 32 KiB", perConnection < 32 * 1024, method, d));
        } finally {
            hub.stop();
        }
    }

    private static String indent(String text) {
        StringBuilder b = new StringBuilder();
        text.lines().limit(16).forEach(l -> b.append("[bench]     ").append(l).append('\n'));
        return b.toString();
    }
}
