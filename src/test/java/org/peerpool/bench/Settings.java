package org.peerpool.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How big a run is. The defaults are the full benchmark; {@code -Dbench.quick=true}
 * shrinks every figure for a fast check of the harness, {@code -Dbench.only=mesh,heap}
 * runs a subset (handshake, mesh, reload, broadcast, heap, idle, processes, tls), each size
 * can be set on its own ({@code -Dbench.meshSizes=4,16}), and {@code -Dbench.full=true} adds
 * N=32 to the processes figure.
 */
record Settings(boolean quick, Set<String> only, Path out, int handshakeSamples, int handshakeWarmup,
                List<Integer> meshSizes, int meshRuns, int reloadSamples, int broadcastSmall, int broadcastLarge,
                int broadcastRounds, int heapConnections, int idleSeconds, int idlePeers, List<Integer> processSizes,
                int processRuns, int processIdleSeconds, int swarmPeers) {

    static final List<String> FIGURES = List.of("handshake", "mesh", "reload", "broadcast", "heap", "idle", "processes",
            "tls", "swarm");

    static Settings fromSystemProperties() {
        boolean quick = Boolean.getBoolean("bench.quick");
        String only = System.getProperty("bench.only", "").trim();
        Set<String> figures = only.isEmpty() ? Set.copyOf(FIGURES)
                : Arrays.stream(only.split(",")).map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
        for (String f : figures) {
            if (!FIGURES.contains(f)) {
                throw new IllegalArgumentException("bench.only: " + f + " (expected some of " + FIGURES + ")");
            }
        }
        return new Settings(quick, figures, Path.of(System.getProperty("bench.out", "target/bench")),
                integer("bench.handshakeSamples", quick ? 300 : 3000),
                integer("bench.handshakeWarmup", quick ? 100 : 3000),
                integers("bench.meshSizes", quick ? "4,16" : "4,16,64,128"),
                integer("bench.meshRuns", quick ? 1 : 3),
                integer("bench.reloadSamples", quick ? 5 : 40),
                integer("bench.broadcastSmall", quick ? 5000 : 50_000),
                integer("bench.broadcastLarge", quick ? 2000 : 20_000),
                integer("bench.broadcastRounds", quick ? 1 : 3),
                integer("bench.heapConnections", quick ? 200 : 1000),
                integer("bench.idleSeconds", quick ? 5 : 30),
                integer("bench.idlePeers", quick ? 16 : 64),
                integers("bench.processSizes", quick ? "4,8" : Boolean.getBoolean("bench.full") ? "4,8,16,32" : "4,8,16"),
                integer("bench.processRuns", quick ? 1 : 2),
                integer("bench.processIdleSeconds", quick ? 3 : 10),
                integer("bench.swarmPeers", quick ? 200 : 1000));
    }

    boolean runs(String figure) {
        return only.contains(figure);
    }

    Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("quick", quick);
        m.put("figures", FIGURES.stream().filter(only::contains).toList());
        m.put("handshakeSamples", handshakeSamples);
        m.put("handshakeWarmup", handshakeWarmup);
        m.put("meshSizes", meshSizes);
        m.put("meshRuns", meshRuns);
        m.put("reloadSamples", reloadSamples);
        m.put("broadcastSmallMessages", broadcastSmall);
        m.put("broadcastLargeMessages", broadcastLarge);
        m.put("broadcastRounds", broadcastRounds);
        m.put("heapConnections", heapConnections);
        m.put("idleSeconds", idleSeconds);
        m.put("idlePeers", idlePeers);
        m.put("processSizes", processSizes);
        m.put("processRuns", processRuns);
        m.put("processIdleSeconds", processIdleSeconds);
        m.put("swarmPeers", swarmPeers);
        return m;
    }

    private static int integer(String key, int dflt) {
        return Integer.getInteger(key, dflt);
    }

    private static List<Integer> integers(String key, String dflt) {
        return Arrays.stream(System.getProperty(key, dflt).split(",")).map(String::trim).map(Integer::parseInt).toList();
    }
}
