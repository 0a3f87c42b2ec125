package org.peerpool.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

import org.peerpool.bench.ProcessMesh.Kind;
import org.peerpool.bench.ProcessMesh.Sample;

/**
 * The processes figure (issue 12): N node processes launched at once, as an operator
 * starts them, against N JGroups 5.4.4 processes in the same run. Runs are interleaved
 * (for each run, each N, each kind in turn) so that a change in the machine's load
 * hits all kinds alike; every peerpool figure is reported beside JGroups' from the
 * same runs.
 */
final class ProcessStartup {

    private static final String METHOD = "N processes launched at once on 127.77.9.1..N (loopback), one port, default "
            + "settings (peerpool.ini holds only local_ip, port and the peers; etc/log4j2.xml beside it). peerpool: "
            + "java -Xmx128m -jar target/peerpool.jar peerpool.ini. JGroups 5.4.4: java -Xmx128m, the stock tcp.xml with "
            + "TCPPING listing all N, port_range=0, bind_addr and client_bind_addr per node (bench/jgroups/JGroupsNode). "
            + "bin flags: PEERPOOL_JVM_OPTS of etc/peerpool-env.sh plus the class-data-sharing archive bin/peerpool "
            + "makes (recorded once by one node's run). Kinds interleaved per run. The kernel's socket table "
            + "(/proc/net/tcp) read every 50 ms: whole = every pair holds an ESTABLISHED connection on the port, "
            + "timed from launch to the moment after which it held for " + ProcessMesh.HOLD_MS / 1000 + " s; "
            + "connections opened = distinct connections seen on the port (JGroups' FD_SOCK2 port not counted). "
            + "CPU = utime+stime per process (/proc/PID/stat) once whole has held and every process logged that it "
            + "started; RSS = VmRSS then; idle = the next window.";

    private ProcessStartup() {
    }

    static void run(Settings s, Results r) throws Exception {
        Path out = s.out().resolve("processes");
        Path basedir = Path.of(System.getProperty("bench.etc", "etc")).toAbsolutePath().getParent();
        ProcessMesh.ProcessSetup setup = ProcessMesh.ProcessSetup.of(basedir, out);
        setup.recordArchive(out.resolve("archive-run"));
        Map<Integer, Map<Kind, List<Sample>>> samples = new LinkedHashMap<>();
        for (int run = 1; run <= s.processRuns(); run++) {
            for (int n : s.processSizes()) {
                for (Kind kind : Kind.values()) {
                    Sample sample = ProcessMesh.launch(kind, n, out.resolve(kind + "-" + n + "-" + run), setup,
                            s.processIdleSeconds());
                    System.out.printf("[bench]   %s N=%d run %d: whole %.0f ms, %d connections, CPU %.0f ms/node, "
                                    + "RSS %.0f MiB, idle %.1f ms/s, listening median %.0f ms max %.0f ms%n", kind, n, run,
                            sample.wholeMs(), sample.connectionsOpened(), sample.cpuPerNodeMs(), sample.rssPerNodeMiB(),
                            sample.idleCpuPerNodeMsPerS(), sample.listenMedianMs(), sample.listenMaxMs());
                    samples.computeIfAbsent(n, k -> new EnumMap<>(Kind.class))
                            .computeIfAbsent(kind, k -> new ArrayList<>()).add(sample);
                }
            }
        }
        samples.forEach((n, byKind) -> report(r, n, byKind));
    }

    private static void report(Results r, int n, Map<Kind, List<Sample>> byKind) {
        List<Sample> pp = byKind.get(Kind.PEERPOOL);
        List<Sample> jg = byKind.get(Kind.JGROUPS);
        List<Sample> bin = byKind.get(Kind.PEERPOOL_BIN);
        int pairs = n * (n - 1) / 2;
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("runs", byKind.values().stream().flatMap(List::stream).map(ProcessMesh::details).toList());

        double target = n == 4 ? 2000 : n == 8 ? 4000 : n == 16 ? 8000 : Double.NaN;
        boolean ahead = true;
        for (int i = 0; i < pp.size(); i++) {
            double mine = pp.get(i).wholeMs();
            double theirs = jg.get(i).wholeMs();
            ahead &= mine >= 0 && (theirs < 0 || mine < theirs) && (Double.isNaN(target) || mine <= target);
        }
        r.add(new Results.Row("processes N=" + n + ": launch to whole mesh", median(pp, Sample::wholeMs) / 1000, "s",
                seconds(pp, Sample::wholeMs), median(jg, Sample::wholeMs) / 1000, "JGroups " + seconds(jg, Sample::wholeMs),
                (Double.isNaN(target) ? "" : "within " + (int) (target / 1000) + " s, ") + "below JGroups every run",
                ahead, METHOD, d));
        boolean exact = pp.stream().allMatch(x -> x.connectionsOpened() == pairs);
        r.add(new Results.Row("processes N=" + n + ": connections opened", (double) pp.get(0).connectionsOpened(),
                "connections", list(pp, x -> x.connectionsOpened()) + " for " + pairs + " pairs",
                (double) jg.get(0).connectionsOpened(), "JGroups " + list(jg, x -> x.connectionsOpened()),
                "exactly " + pairs, exact, "as above", Map.of()));
        double cpu = mean(pp, Sample::cpuPerNodeMs);
        double cpuJg = mean(jg, Sample::cpuPerNodeMs);
        r.add(new Results.Row("processes N=" + n + ": start-up CPU per node", cpu / 1000, "s",
                list(pp, x -> x.cpuPerNodeMs() / 1000) + " s", cpuJg / 1000, "JGroups " + list(jg, x -> x.cpuPerNodeMs() / 1000) + " s",
                "at most 0.8 s and below JGroups", cpu <= 800 && cpu < cpuJg, "as above", Map.of()));
        double rss = mean(pp, Sample::rssPerNodeMiB);
        double rssJg = mean(jg, Sample::rssPerNodeMiB);
        r.add(new Results.Row("processes N=" + n + ": RSS per node", rss, "MiB", list(pp, Sample::rssPerNodeMiB) + " MiB",
                rssJg, "JGroups " + list(jg, Sample::rssPerNodeMiB) + " MiB", "below JGroups", rss < rssJg, "as above",
                Map.of()));
        double idle = mean(pp, Sample::idleCpuPerNodeMsPerS);
        double idleJg = mean(jg, Sample::idleCpuPerNodeMsPerS);
        int idleNew = pp.stream().mapToInt(Sample::idleNewConnections).sum();
        int idleInfo = pp.stream().mapToInt(Sample::idleInfoLines).sum();
        r.add(new Results.Row("processes N=" + n + ": idle CPU per node", idle, "ms CPU/s",
                list(pp, Sample::idleCpuPerNodeMsPerS) + " ms/s; " + idleNew + " connections opened, " + idleInfo
                        + " INFO lines while idle",
                idleJg, "JGroups " + list(jg, Sample::idleCpuPerNodeMsPerS) + " ms/s",
                "below JGroups; 0 connections, 0 INFO lines", idle < idleJg && idleNew == 0 && idleInfo == 0, "as above",
                Map.of()));
        boolean binTarget = n != 16 || bin.stream().allMatch(x -> x.wholeMs() >= 0 && x.wholeMs() <= 5000);
        r.add(new Results.Row("processes N=" + n + ", bin/peerpool flags: launch to whole mesh",
                median(bin, Sample::wholeMs) / 1000, "s",
                seconds(bin, Sample::wholeMs) + "; CPU " + list(bin, x -> x.cpuPerNodeMs() / 1000) + " s/node, RSS "
                        + list(bin, Sample::rssPerNodeMiB) + " MiB, " + list(bin, x -> x.connectionsOpened())
                        + " connections",
                median(jg, Sample::wholeMs) / 1000, "JGroups " + seconds(jg, Sample::wholeMs),
                n == 16 ? "within 5 s" : "-", n == 16 ? binTarget : null, "as above", Map.of()));
        boolean listenFast = bin.stream().allMatch(x -> x.listenMedianMs() >= 0 && x.listenMedianMs() < 300);
        r.add(new Results.Row("processes N=" + n + ", bin/peerpool flags: launch to listening",
                median(bin, Sample::listenMedianMs) / 1000, "s",
                "median " + seconds(bin, Sample::listenMedianMs) + ", last " + seconds(bin, Sample::listenMaxMs),
                median(pp, Sample::listenMedianMs) / 1000, "java -jar: median " + seconds(pp, Sample::listenMedianMs),
                n == 4 ? "under 0.3 s (idle machine)" : "-", n == 4 ? listenFast : null,
                "Per node, from launch until the kernel lists its port in LISTEN (same 50 ms reads).", Map.of()));
    }

    private static double median(List<Sample> xs, ToDoubleFunction<Sample> f) {
        return Stats.median(xs.stream().mapToDouble(f).toArray());
    }

    private static double mean(List<Sample> xs, ToDoubleFunction<Sample> f) {
        return xs.stream().mapToDouble(f).average().orElse(Double.NaN);
    }

    private static String seconds(List<Sample> xs, ToDoubleFunction<Sample> f) {
        return xs.stream().map(x -> f.applyAsDouble(x) < 0 ? "never" : String.format("%.1f", f.applyAsDouble(x) / 1000))
                .collect(Collectors.joining(", ")) + " s";
    }

    private static String list(List<Sample> xs, ToDoubleFunction<Sample> f) {
        return xs.stream().map(x -> {
            double v = f.applyAsDouble(x);
            return v == Math.rint(v) && Math.abs(v) >= 10 ? String.valueOf((long) v) : String.format("%.2f", v);
        }).collect(Collectors.joining(", "));
    }
}
