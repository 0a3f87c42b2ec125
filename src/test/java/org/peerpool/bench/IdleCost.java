package org.peerpool.bench;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.peerpool.Agent;
import org.peerpool.config.NodeConfig;
import org.peerpool.PeerSnapshot;
import org.peerpool.wire.NodeAddress;

/**
 * Idle cost: a node with 64 peers, in its own JVM started as an operator starts one,
 * left alone for 30 s once its mesh is up: its CPU time from /proc (whole and per
 * thread), the INFO lines it logged and the connection attempts it made. The 64 peers
 * are agents in the benchmark JVM; half dial the node, half are dialed by it.
 */
final class IdleCost {

    private static final long SETTLE_MS = 10_000;

    private IdleCost() {
    }

    static void run(Settings s, Results r) throws Exception {
        int n = s.idlePeers();
        List<InetAddress> ips = BenchNet.ips(6, n + 1);
        int port = BenchNet.freePort(ips);
        InetAddress nodeIp = ips.get(n / 2);
        NodeAddress node = NodeAddress.of(nodeIp, port);
        List<NodeAddress> peers = new ArrayList<>();
        for (InetAddress ip : ips) {
            if (!ip.equals(nodeIp)) {
                peers.add(NodeAddress.of(ip, port));
            }
        }
        Path dir = Files.createDirectories(s.out().resolve("idle"));
        Path ini = dir.resolve("peerpool.ini");
        StringBuilder text = new StringBuilder("; idle benchmark node: production defaults except the addresses\n[network]\n");
        text.append("local_ip = ").append(nodeIp.getHostAddress()).append("\nport = ").append(port).append('\n');
        peers.forEach(p -> text.append("peer = ").append(p).append('\n'));
        Files.writeString(ini, text, StandardCharsets.UTF_8);
        Path etc = Path.of(System.getProperty("bench.etc", "etc"));
        Files.copy(etc.resolve("log4j2.xml"), dir.resolve("log4j2.xml"), StandardCopyOption.REPLACE_EXISTING);

        List<Agent> agents = new ArrayList<>();
        try {
            for (NodeAddress p : peers) {
                Agent a = Agent.builder(NodeConfig.builder(p.ip()).port(port).addPeer(node).build()).ioThreads(1).build();
                agents.add(a);
                a.listen();
            }
            try (ChildJava proc = ChildJava.start(IdleNode.class, List.of(), List.of(ini.toString()), dir, "node");
                 ChildJava empty = ChildJava.start(IdleNode.class, List.of(), List.of("--empty"), dir, "empty-jvm")) {
                proc.awaitLine("STARTED", 1, 60_000);
                empty.awaitLine("STARTED", 1, 60_000);
                for (Agent a : agents) {
                    a.start();
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!agents.stream().allMatch(a -> a.pool().isConnected(node))) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("idle mesh not up in 60 s: "
                                + agents.stream().filter(a -> a.pool().isConnected(node)).count() + " of " + n);
                    }
                    Heap.sleep(20);
                }
                Heap.sleep(SETTLE_MS);
                proc.send("stats");
                Map<String, Long> stats0 = parse(proc.awaitLine("STATS", 1, 10_000));
                if (stats0.get("connections") != n) {
                    throw new IllegalStateException("node holds " + stats0.get("connections") + " of " + n + " peers");
                }
                long logOffset = Files.size(proc.stdout());
                long peerAttempts0 = peerAttempts(agents);
                Map<Agent, Long> ids0 = connectionIds(agents, node);
                ProcCpu.Snapshot threads0 = ProcCpu.threadNanos(proc.pid());
                long cpu0 = ProcCpu.processNanos(proc.pid());
                long emptyCpu0 = ProcCpu.processNanos(empty.pid());
                long w0 = System.nanoTime();
                System.out.printf("[bench]   mesh of %d up; node at rest for %d s%n", n, s.idleSeconds());
                Heap.sleep(TimeUnit.SECONDS.toMillis(s.idleSeconds()));
                long cpu1 = ProcCpu.processNanos(proc.pid());
                long emptyCpu1 = ProcCpu.processNanos(empty.pid());
                long w1 = System.nanoTime();
                ProcCpu.Snapshot threads1 = ProcCpu.threadNanos(proc.pid());
                List<String> logged = linesFrom(proc.stdout(), logOffset);
                proc.send("stats");
                Map<String, Long> stats1 = parse(proc.awaitLine("STATS", 2, 10_000));
                long peerAttempts1 = peerAttempts(agents);
                Map<Agent, Long> ids1 = connectionIds(agents, node);
                report(r, s, n, (w1 - w0) / 1e9, cpu1 - cpu0, emptyCpu1 - emptyCpu0, ProcCpu.byName(threads0, threads1),
                        logged, stats1.get("attempts") - stats0.get("attempts"), peerAttempts1 - peerAttempts0,
                        changed(ids0, ids1));
            }
        } finally {
            MeshConvergence.stopAll(agents);
        }
    }

    private static void report(Results r, Settings s, int n, double seconds, long cpuNanos, long emptyCpuNanos,
                               Map<String, Object> threads, List<String> logged, long attempts, long peerAttempts,
                               int reconnectedPairs) {
        double percent = cpuNanos / (seconds * 1e9) * 100;
        double emptyPercent = emptyCpuNanos / (seconds * 1e9) * 100;
        long info = logged.stream().filter(l -> level(l).equals("INFO")).count();
        double infoPerMinute = info * 60 / seconds;
        double attemptsPerMinute = attempts * 60 / seconds;
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("peers", n);
        d.put("windowSeconds", Stats.round(seconds));
        d.put("cpuMs", Stats.round(cpuNanos / 1e6));
        d.put("emptyJvmCpuMs", Stats.round(emptyCpuNanos / 1e6));
        d.put("cpuMsByThread", threads);
        String method = "The node in its own JVM, started as java -jar peerpool.jar starts one (bench IdleNode: watched "
                + "config with production defaults, etc/log4j2.xml beside it, default JVM flags and I/O threads), " + n
                + " peers (agents in the benchmark JVM; half dial it, half are dialed); mesh up, " + SETTLE_MS / 1000
                + " s settle, then utime+stime of its process from /proc/PID/stat over " + s.idleSeconds()
                + " s, as % of one core. Baseline: an empty JVM (same java, no agent) over the same window.";
        r.add(new Results.Row("idle CPU, " + n + "-peer node", percent, "% of one core",
                String.format("%.2f%% of one core (%.0f ms CPU in %.0f s)", percent, cpuNanos / 1e6, seconds),
                emptyPercent, String.format("empty JVM %.2f%% (%.0f ms)", emptyPercent, emptyCpuNanos / 1e6),
                "under 1% of one core", percent < 1.0, method, d));
        Map<String, Object> dl = new LinkedHashMap<>();
        dl.put("linesInWindow", logged.size());
        dl.put("infoLinesInWindow", info);
        dl.put("lines", logged.stream().limit(50).toList());
        r.add(new Results.Row("idle INFO log lines per minute", infoPerMinute, "lines/min",
                String.format("%.0f (%d INFO of %d lines in %.0f s)", infoPerMinute, info, logged.size(), seconds),
                null, "-", "0", info == 0, "Lines at INFO the node wrote to stdout (the console appender of "
                + "etc/log4j2.xml) during the same window, scaled to a minute.", dl));
        Map<String, Object> da = new LinkedHashMap<>();
        da.put("nodeConnectAttempts", attempts);
        da.put("peersConnectAttempts", peerAttempts);
        da.put("pairsWhoseConnectionChanged", reconnectedPairs);
        double peerPerMinute = peerAttempts * 60 / seconds;
        r.add(new Results.Row("idle connection attempts per minute", attemptsPerMinute, "attempts/min",
                String.format("%.0f by the node, %.0f by its peers; %d of %d connections replaced", attemptsPerMinute,
                        peerPerMinute, reconnectedPairs, n),
                null, "-", "0", attempts == 0 && peerAttempts == 0 && reconnectedPairs == 0,
                "The node's pool connectAttempts() read over its stdin just before and after the window (nothing polls "
                        + "it in between), scaled to a minute; cross-checked from the peers' side: their "
                        + "connectAttempts() and every pair's connection id unchanged.", da));
    }

    private static String level(String line) {
        // "2025-01-01T12:00:00,123 INFO  [thread] Logger - message"
        String[] f = line.split("\\s+", 3);
        return f.length > 1 ? f[1] : "";
    }

    private static List<String> linesFrom(Path file, long offset) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            f.seek(offset);
            byte[] rest = new byte[(int) (f.length() - offset)];
            f.readFully(rest);
            return new String(rest, StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
        }
    }

    private static Map<String, Long> parse(String statsLine) {
        Map<String, Long> m = new HashMap<>();
        for (String kv : statsLine.substring("STATS ".length()).split(" ")) {
            String[] p = kv.split("=");
            m.put(p[0], Long.parseLong(p[1]));
        }
        return m;
    }

    private static long peerAttempts(List<Agent> agents) {
        return agents.stream().mapToLong(a -> a.pool().connectAttempts()).sum();
    }

    private static Map<Agent, Long> connectionIds(List<Agent> agents, NodeAddress node) {
        Map<Agent, Long> m = new HashMap<>();
        for (Agent a : agents) {
            m.put(a, a.pool().snapshot(node).map(PeerSnapshot::connectionId).orElse(0L));
        }
        return m;
    }

    private static int changed(Map<Agent, Long> before, Map<Agent, Long> after) {
        int n = 0;
        for (var e : before.entrySet()) {
            if (!e.getValue().equals(after.get(e.getKey())) || e.getValue() == 0) {
                n++;
            }
        }
        return n;
    }
}
